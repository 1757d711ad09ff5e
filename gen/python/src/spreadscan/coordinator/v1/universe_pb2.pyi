import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from spreadscan.coordinator.v1 import job_pb2 as _job_pb2
from spreadscan.scanner.v1 import query_pb2 as _query_pb2
from spreadscan.scanner.v1 import scan_result_pb2 as _scan_result_pb2
from spreadscan.scanner.v1 import spread_pb2 as _spread_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SymbolScanState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SYMBOL_SCAN_STATE_UNSPECIFIED: _ClassVar[SymbolScanState]
    SYMBOL_SCAN_STATE_SCANNED: _ClassVar[SymbolScanState]
    SYMBOL_SCAN_STATE_STALE: _ClassVar[SymbolScanState]
    SYMBOL_SCAN_STATE_FAILED: _ClassVar[SymbolScanState]
SYMBOL_SCAN_STATE_UNSPECIFIED: SymbolScanState
SYMBOL_SCAN_STATE_SCANNED: SymbolScanState
SYMBOL_SCAN_STATE_STALE: SymbolScanState
SYMBOL_SCAN_STATE_FAILED: SymbolScanState

class ScanUniverseRequest(_message.Message):
    __slots__ = ("symbols", "watchlist", "query", "per_symbol_limit", "bypass_cache")
    SYMBOLS_FIELD_NUMBER: _ClassVar[int]
    WATCHLIST_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    PER_SYMBOL_LIMIT_FIELD_NUMBER: _ClassVar[int]
    BYPASS_CACHE_FIELD_NUMBER: _ClassVar[int]
    symbols: _containers.RepeatedScalarFieldContainer[str]
    watchlist: str
    query: _query_pb2.ScanQuery
    per_symbol_limit: int
    bypass_cache: bool
    def __init__(self, symbols: _Optional[_Iterable[str]] = ..., watchlist: _Optional[str] = ..., query: _Optional[_Union[_query_pb2.ScanQuery, _Mapping]] = ..., per_symbol_limit: _Optional[int] = ..., bypass_cache: _Optional[bool] = ...) -> None: ...

class ScanUniverseResponse(_message.Message):
    __slots__ = ("spreads", "symbols", "watchlist")
    SPREADS_FIELD_NUMBER: _ClassVar[int]
    SYMBOLS_FIELD_NUMBER: _ClassVar[int]
    WATCHLIST_FIELD_NUMBER: _ClassVar[int]
    spreads: _containers.RepeatedCompositeFieldContainer[_spread_pb2.Spread]
    symbols: _containers.RepeatedCompositeFieldContainer[SymbolScan]
    watchlist: str
    def __init__(self, spreads: _Optional[_Iterable[_Union[_spread_pb2.Spread, _Mapping]]] = ..., symbols: _Optional[_Iterable[_Union[SymbolScan, _Mapping]]] = ..., watchlist: _Optional[str] = ...) -> None: ...

class SymbolScan(_message.Message):
    __slots__ = ("symbol", "state", "error", "cache_hit", "age", "job_id", "spreads_ranked", "result")
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    CACHE_HIT_FIELD_NUMBER: _ClassVar[int]
    AGE_FIELD_NUMBER: _ClassVar[int]
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    SPREADS_RANKED_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    symbol: str
    state: SymbolScanState
    error: _job_pb2.ErrorStatus
    cache_hit: bool
    age: _duration_pb2.Duration
    job_id: str
    spreads_ranked: int
    result: _scan_result_pb2.ScanResult
    def __init__(self, symbol: _Optional[str] = ..., state: _Optional[_Union[SymbolScanState, str]] = ..., error: _Optional[_Union[_job_pb2.ErrorStatus, _Mapping]] = ..., cache_hit: _Optional[bool] = ..., age: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., job_id: _Optional[str] = ..., spreads_ranked: _Optional[int] = ..., result: _Optional[_Union[_scan_result_pb2.ScanResult, _Mapping]] = ...) -> None: ...
