// What every chain file format shares: the error a file that cannot be read or written
// raises, and the source recorded for a chain that came from a file.
/** The CLI prints the message of this error as it stands and exits 2. */
export class ChainFileError extends Error {
  override readonly name = "ChainFileError";
}

/** The source recorded for a chain read from a file that does not name one. */
export const FILE_SOURCE = "file";
