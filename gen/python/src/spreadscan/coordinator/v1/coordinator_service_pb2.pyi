import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from spreadscan.coordinator.v1 import job_pb2 as _job_pb2
from spreadscan.coordinator.v1 import universe_pb2 as _universe_pb2
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

class MarketDataState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MARKET_DATA_STATE_UNSPECIFIED: _ClassVar[MarketDataState]
    MARKET_DATA_STATE_LIVE: _ClassVar[MarketDataState]
    MARKET_DATA_STATE_DELAYED: _ClassVar[MarketDataState]
    MARKET_DATA_STATE_FROZEN: _ClassVar[MarketDataState]
    MARKET_DATA_STATE_UNAVAILABLE: _ClassVar[MarketDataState]
MARKET_DATA_STATE_UNSPECIFIED: MarketDataState
MARKET_DATA_STATE_LIVE: MarketDataState
MARKET_DATA_STATE_DELAYED: MarketDataState
MARKET_DATA_STATE_FROZEN: MarketDataState
MARKET_DATA_STATE_UNAVAILABLE: MarketDataState

class ScanRequest(_message.Message):
    __slots__ = ("symbol", "query", "bypass_cache")
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    BYPASS_CACHE_FIELD_NUMBER: _ClassVar[int]
    symbol: str
    query: _query_pb2.ScanQuery
    bypass_cache: bool
    def __init__(self, symbol: _Optional[str] = ..., query: _Optional[_Union[_query_pb2.ScanQuery, _Mapping]] = ..., bypass_cache: _Optional[bool] = ...) -> None: ...

class ScanResponse(_message.Message):
    __slots__ = ("result", "cache_hit", "job_id", "stale", "age")
    RESULT_FIELD_NUMBER: _ClassVar[int]
    CACHE_HIT_FIELD_NUMBER: _ClassVar[int]
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    STALE_FIELD_NUMBER: _ClassVar[int]
    AGE_FIELD_NUMBER: _ClassVar[int]
    result: _scan_result_pb2.ScanResult
    cache_hit: bool
    job_id: str
    stale: bool
    age: _duration_pb2.Duration
    def __init__(self, result: _Optional[_Union[_scan_result_pb2.ScanResult, _Mapping]] = ..., cache_hit: _Optional[bool] = ..., job_id: _Optional[str] = ..., stale: _Optional[bool] = ..., age: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class SubmitScanRequest(_message.Message):
    __slots__ = ("symbol", "query", "bypass_cache")
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    BYPASS_CACHE_FIELD_NUMBER: _ClassVar[int]
    symbol: str
    query: _query_pb2.ScanQuery
    bypass_cache: bool
    def __init__(self, symbol: _Optional[str] = ..., query: _Optional[_Union[_query_pb2.ScanQuery, _Mapping]] = ..., bypass_cache: _Optional[bool] = ...) -> None: ...

class SubmitScanResponse(_message.Message):
    __slots__ = ("job",)
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: _job_pb2.Job
    def __init__(self, job: _Optional[_Union[_job_pb2.Job, _Mapping]] = ...) -> None: ...

class GetJobRequest(_message.Message):
    __slots__ = ("job_id",)
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    def __init__(self, job_id: _Optional[str] = ...) -> None: ...

class GetJobResponse(_message.Message):
    __slots__ = ("job",)
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: _job_pb2.Job
    def __init__(self, job: _Optional[_Union[_job_pb2.Job, _Mapping]] = ...) -> None: ...

class ListJobsRequest(_message.Message):
    __slots__ = ("states", "page_size", "page_token")
    STATES_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    states: _containers.RepeatedScalarFieldContainer[_job_pb2.JobState]
    page_size: int
    page_token: str
    def __init__(self, states: _Optional[_Iterable[_Union[_job_pb2.JobState, str]]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListJobsResponse(_message.Message):
    __slots__ = ("jobs", "next_page_token")
    JOBS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    jobs: _containers.RepeatedCompositeFieldContainer[_job_pb2.Job]
    next_page_token: str
    def __init__(self, jobs: _Optional[_Iterable[_Union[_job_pb2.Job, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CancelJobRequest(_message.Message):
    __slots__ = ("job_id",)
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    def __init__(self, job_id: _Optional[str] = ...) -> None: ...

class CancelJobResponse(_message.Message):
    __slots__ = ("job",)
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: _job_pb2.Job
    def __init__(self, job: _Optional[_Union[_job_pb2.Job, _Mapping]] = ...) -> None: ...

class WatchJobEventsRequest(_message.Message):
    __slots__ = ("job_id",)
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    def __init__(self, job_id: _Optional[str] = ...) -> None: ...

class WatchJobEventsResponse(_message.Message):
    __slots__ = ("sequence", "event_time", "previous_state", "job")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    EVENT_TIME_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_STATE_FIELD_NUMBER: _ClassVar[int]
    JOB_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    event_time: _timestamp_pb2.Timestamp
    previous_state: _job_pb2.JobState
    job: _job_pb2.Job
    def __init__(self, sequence: _Optional[int] = ..., event_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., previous_state: _Optional[_Union[_job_pb2.JobState, str]] = ..., job: _Optional[_Union[_job_pb2.Job, _Mapping]] = ...) -> None: ...

class ScanBatchRequest(_message.Message):
    __slots__ = ("symbols", "query", "bypass_cache")
    SYMBOLS_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    BYPASS_CACHE_FIELD_NUMBER: _ClassVar[int]
    symbols: _containers.RepeatedScalarFieldContainer[str]
    query: _query_pb2.ScanQuery
    bypass_cache: bool
    def __init__(self, symbols: _Optional[_Iterable[str]] = ..., query: _Optional[_Union[_query_pb2.ScanQuery, _Mapping]] = ..., bypass_cache: _Optional[bool] = ...) -> None: ...

class ScanBatchResponse(_message.Message):
    __slots__ = ("symbol", "job_id", "cache_hit", "result", "error", "stale", "age")
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    CACHE_HIT_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    STALE_FIELD_NUMBER: _ClassVar[int]
    AGE_FIELD_NUMBER: _ClassVar[int]
    symbol: str
    job_id: str
    cache_hit: bool
    result: _scan_result_pb2.ScanResult
    error: _job_pb2.ErrorStatus
    stale: bool
    age: _duration_pb2.Duration
    def __init__(self, symbol: _Optional[str] = ..., job_id: _Optional[str] = ..., cache_hit: _Optional[bool] = ..., result: _Optional[_Union[_scan_result_pb2.ScanResult, _Mapping]] = ..., error: _Optional[_Union[_job_pb2.ErrorStatus, _Mapping]] = ..., stale: _Optional[bool] = ..., age: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

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
    __slots__ = ("update", "status")
    UPDATE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    update: _scan_result_pb2.SpreadsUpdate
    status: MarketDataStatus
    def __init__(self, update: _Optional[_Union[_scan_result_pb2.SpreadsUpdate, _Mapping]] = ..., status: _Optional[_Union[MarketDataStatus, _Mapping]] = ...) -> None: ...

class WatchUniverseRequest(_message.Message):
    __slots__ = ("symbols", "watchlist", "query", "per_symbol_limit", "min_interval_ms")
    SYMBOLS_FIELD_NUMBER: _ClassVar[int]
    WATCHLIST_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    PER_SYMBOL_LIMIT_FIELD_NUMBER: _ClassVar[int]
    MIN_INTERVAL_MS_FIELD_NUMBER: _ClassVar[int]
    symbols: _containers.RepeatedScalarFieldContainer[str]
    watchlist: str
    query: _query_pb2.ScanQuery
    per_symbol_limit: int
    min_interval_ms: int
    def __init__(self, symbols: _Optional[_Iterable[str]] = ..., watchlist: _Optional[str] = ..., query: _Optional[_Union[_query_pb2.ScanQuery, _Mapping]] = ..., per_symbol_limit: _Optional[int] = ..., min_interval_ms: _Optional[int] = ...) -> None: ...

class WatchUniverseResponse(_message.Message):
    __slots__ = ("sequence", "initial", "spreads", "added_ids", "removed_ids", "symbols", "market_data", "update_time")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    INITIAL_FIELD_NUMBER: _ClassVar[int]
    SPREADS_FIELD_NUMBER: _ClassVar[int]
    ADDED_IDS_FIELD_NUMBER: _ClassVar[int]
    REMOVED_IDS_FIELD_NUMBER: _ClassVar[int]
    SYMBOLS_FIELD_NUMBER: _ClassVar[int]
    MARKET_DATA_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    initial: bool
    spreads: _containers.RepeatedCompositeFieldContainer[_spread_pb2.Spread]
    added_ids: _containers.RepeatedScalarFieldContainer[str]
    removed_ids: _containers.RepeatedScalarFieldContainer[str]
    symbols: _containers.RepeatedCompositeFieldContainer[_universe_pb2.SymbolScan]
    market_data: _containers.RepeatedCompositeFieldContainer[MarketDataStatus]
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, sequence: _Optional[int] = ..., initial: _Optional[bool] = ..., spreads: _Optional[_Iterable[_Union[_spread_pb2.Spread, _Mapping]]] = ..., added_ids: _Optional[_Iterable[str]] = ..., removed_ids: _Optional[_Iterable[str]] = ..., symbols: _Optional[_Iterable[_Union[_universe_pb2.SymbolScan, _Mapping]]] = ..., market_data: _Optional[_Iterable[_Union[MarketDataStatus, _Mapping]]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class MarketDataStatus(_message.Message):
    __slots__ = ("symbol", "state", "since", "reason")
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    SINCE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    symbol: str
    state: MarketDataState
    since: _timestamp_pb2.Timestamp
    reason: str
    def __init__(self, symbol: _Optional[str] = ..., state: _Optional[_Union[MarketDataState, str]] = ..., since: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class GetMetricsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class BackpressureMetrics(_message.Message):
    __slots__ = ("current_qps", "average_response_time", "circuit_breaker_open", "adaptive_rate")
    CURRENT_QPS_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_RESPONSE_TIME_FIELD_NUMBER: _ClassVar[int]
    CIRCUIT_BREAKER_OPEN_FIELD_NUMBER: _ClassVar[int]
    ADAPTIVE_RATE_FIELD_NUMBER: _ClassVar[int]
    current_qps: float
    average_response_time: float
    circuit_breaker_open: bool
    adaptive_rate: float
    def __init__(self, current_qps: _Optional[float] = ..., average_response_time: _Optional[float] = ..., circuit_breaker_open: _Optional[bool] = ..., adaptive_rate: _Optional[float] = ...) -> None: ...

class GetMetricsResponse(_message.Message):
    __slots__ = ("total_scans", "successful_scans", "failed_scans", "cache_hits", "average_scan_time", "active_jobs", "queued_jobs", "backpressure")
    TOTAL_SCANS_FIELD_NUMBER: _ClassVar[int]
    SUCCESSFUL_SCANS_FIELD_NUMBER: _ClassVar[int]
    FAILED_SCANS_FIELD_NUMBER: _ClassVar[int]
    CACHE_HITS_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_SCAN_TIME_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_JOBS_FIELD_NUMBER: _ClassVar[int]
    QUEUED_JOBS_FIELD_NUMBER: _ClassVar[int]
    BACKPRESSURE_FIELD_NUMBER: _ClassVar[int]
    total_scans: int
    successful_scans: int
    failed_scans: int
    cache_hits: int
    average_scan_time: float
    active_jobs: int
    queued_jobs: int
    backpressure: BackpressureMetrics
    def __init__(self, total_scans: _Optional[int] = ..., successful_scans: _Optional[int] = ..., failed_scans: _Optional[int] = ..., cache_hits: _Optional[int] = ..., average_scan_time: _Optional[float] = ..., active_jobs: _Optional[int] = ..., queued_jobs: _Optional[int] = ..., backpressure: _Optional[_Union[BackpressureMetrics, _Mapping]] = ...) -> None: ...
