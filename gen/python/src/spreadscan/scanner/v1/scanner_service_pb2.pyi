from spreadscan.market.v1 import option_chain_pb2 as _option_chain_pb2
from spreadscan.scanner.v1 import query_pb2 as _query_pb2
from spreadscan.scanner.v1 import scan_result_pb2 as _scan_result_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class UpdateMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    UPDATE_MODE_UNSPECIFIED: _ClassVar[UpdateMode]
    UPDATE_MODE_REPLACE: _ClassVar[UpdateMode]
    UPDATE_MODE_MERGE: _ClassVar[UpdateMode]
UPDATE_MODE_UNSPECIFIED: UpdateMode
UPDATE_MODE_REPLACE: UpdateMode
UPDATE_MODE_MERGE: UpdateMode

class ScanRequest(_message.Message):
    __slots__ = ("symbol", "query", "chain")
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    CHAIN_FIELD_NUMBER: _ClassVar[int]
    symbol: str
    query: _query_pb2.ScanQuery
    chain: _option_chain_pb2.OptionChain
    def __init__(self, symbol: _Optional[str] = ..., query: _Optional[_Union[_query_pb2.ScanQuery, _Mapping]] = ..., chain: _Optional[_Union[_option_chain_pb2.OptionChain, _Mapping]] = ...) -> None: ...

class ScanResponse(_message.Message):
    __slots__ = ("result",)
    RESULT_FIELD_NUMBER: _ClassVar[int]
    result: _scan_result_pb2.ScanResult
    def __init__(self, result: _Optional[_Union[_scan_result_pb2.ScanResult, _Mapping]] = ...) -> None: ...

class WatchSpreadsRequest(_message.Message):
    __slots__ = ("symbol", "query", "min_interval_ms")
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    MIN_INTERVAL_MS_FIELD_NUMBER: _ClassVar[int]
    symbol: str
    query: _query_pb2.ScanQuery
    min_interval_ms: int
    def __init__(self, symbol: _Optional[str] = ..., query: _Optional[_Union[_query_pb2.ScanQuery, _Mapping]] = ..., min_interval_ms: _Optional[int] = ...) -> None: ...

class WatchSpreadsResponse(_message.Message):
    __slots__ = ("update",)
    UPDATE_FIELD_NUMBER: _ClassVar[int]
    update: _scan_result_pb2.SpreadsUpdate
    def __init__(self, update: _Optional[_Union[_scan_result_pb2.SpreadsUpdate, _Mapping]] = ...) -> None: ...

class UpdateChainRequest(_message.Message):
    __slots__ = ("chain", "mode")
    CHAIN_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    chain: _option_chain_pb2.OptionChain
    mode: UpdateMode
    def __init__(self, chain: _Optional[_Union[_option_chain_pb2.OptionChain, _Mapping]] = ..., mode: _Optional[_Union[UpdateMode, str]] = ...) -> None: ...

class UpdateChainResponse(_message.Message):
    __slots__ = ("symbol", "version", "changed", "quote_count")
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELD_NUMBER: _ClassVar[int]
    QUOTE_COUNT_FIELD_NUMBER: _ClassVar[int]
    symbol: str
    version: int
    changed: bool
    quote_count: int
    def __init__(self, symbol: _Optional[str] = ..., version: _Optional[int] = ..., changed: _Optional[bool] = ..., quote_count: _Optional[int] = ...) -> None: ...

class GetMetricsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetMetricsResponse(_message.Message):
    __slots__ = ("total_requests", "cache_hits", "average_filter_time", "active_scans", "error_rate")
    TOTAL_REQUESTS_FIELD_NUMBER: _ClassVar[int]
    CACHE_HITS_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_FILTER_TIME_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_SCANS_FIELD_NUMBER: _ClassVar[int]
    ERROR_RATE_FIELD_NUMBER: _ClassVar[int]
    total_requests: int
    cache_hits: int
    average_filter_time: float
    active_scans: int
    error_rate: float
    def __init__(self, total_requests: _Optional[int] = ..., cache_hits: _Optional[int] = ..., average_filter_time: _Optional[float] = ..., active_scans: _Optional[int] = ..., error_rate: _Optional[float] = ...) -> None: ...
