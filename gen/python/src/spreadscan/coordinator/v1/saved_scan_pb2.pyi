import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from spreadscan.coordinator.v1 import universe_pb2 as _universe_pb2
from spreadscan.scanner.v1 import query_pb2 as _query_pb2
from spreadscan.scanner.v1 import spread_pb2 as _spread_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AlertKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ALERT_KIND_UNSPECIFIED: _ClassVar[AlertKind]
    ALERT_KIND_ENTERED: _ClassVar[AlertKind]
    ALERT_KIND_LEFT: _ClassVar[AlertKind]
ALERT_KIND_UNSPECIFIED: AlertKind
ALERT_KIND_ENTERED: AlertKind
ALERT_KIND_LEFT: AlertKind

class SavedScan(_message.Message):
    __slots__ = ("name", "symbols", "watchlist", "query", "per_symbol_limit", "alerts", "create_time", "update_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    SYMBOLS_FIELD_NUMBER: _ClassVar[int]
    WATCHLIST_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    PER_SYMBOL_LIMIT_FIELD_NUMBER: _ClassVar[int]
    ALERTS_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    symbols: _containers.RepeatedScalarFieldContainer[str]
    watchlist: str
    query: _query_pb2.ScanQuery
    per_symbol_limit: int
    alerts: AlertSettings
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., symbols: _Optional[_Iterable[str]] = ..., watchlist: _Optional[str] = ..., query: _Optional[_Union[_query_pb2.ScanQuery, _Mapping]] = ..., per_symbol_limit: _Optional[int] = ..., alerts: _Optional[_Union[AlertSettings, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class AlertSettings(_message.Message):
    __slots__ = ("check_interval", "retention", "webhook")
    CHECK_INTERVAL_FIELD_NUMBER: _ClassVar[int]
    RETENTION_FIELD_NUMBER: _ClassVar[int]
    WEBHOOK_FIELD_NUMBER: _ClassVar[int]
    check_interval: _duration_pb2.Duration
    retention: _duration_pb2.Duration
    webhook: Webhook
    def __init__(self, check_interval: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., retention: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., webhook: _Optional[_Union[Webhook, _Mapping]] = ...) -> None: ...

class Webhook(_message.Message):
    __slots__ = ("url", "secret", "secret_set")
    URL_FIELD_NUMBER: _ClassVar[int]
    SECRET_FIELD_NUMBER: _ClassVar[int]
    SECRET_SET_FIELD_NUMBER: _ClassVar[int]
    url: str
    secret: str
    secret_set: bool
    def __init__(self, url: _Optional[str] = ..., secret: _Optional[str] = ..., secret_set: _Optional[bool] = ...) -> None: ...

class CreateSavedScanRequest(_message.Message):
    __slots__ = ("saved_scan",)
    SAVED_SCAN_FIELD_NUMBER: _ClassVar[int]
    saved_scan: SavedScan
    def __init__(self, saved_scan: _Optional[_Union[SavedScan, _Mapping]] = ...) -> None: ...

class CreateSavedScanResponse(_message.Message):
    __slots__ = ("saved_scan",)
    SAVED_SCAN_FIELD_NUMBER: _ClassVar[int]
    saved_scan: SavedScan
    def __init__(self, saved_scan: _Optional[_Union[SavedScan, _Mapping]] = ...) -> None: ...

class GetSavedScanRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetSavedScanResponse(_message.Message):
    __slots__ = ("saved_scan",)
    SAVED_SCAN_FIELD_NUMBER: _ClassVar[int]
    saved_scan: SavedScan
    def __init__(self, saved_scan: _Optional[_Union[SavedScan, _Mapping]] = ...) -> None: ...

class ListSavedScansRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListSavedScansResponse(_message.Message):
    __slots__ = ("saved_scans", "next_page_token")
    SAVED_SCANS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    saved_scans: _containers.RepeatedCompositeFieldContainer[SavedScan]
    next_page_token: str
    def __init__(self, saved_scans: _Optional[_Iterable[_Union[SavedScan, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateSavedScanRequest(_message.Message):
    __slots__ = ("saved_scan",)
    SAVED_SCAN_FIELD_NUMBER: _ClassVar[int]
    saved_scan: SavedScan
    def __init__(self, saved_scan: _Optional[_Union[SavedScan, _Mapping]] = ...) -> None: ...

class UpdateSavedScanResponse(_message.Message):
    __slots__ = ("saved_scan",)
    SAVED_SCAN_FIELD_NUMBER: _ClassVar[int]
    saved_scan: SavedScan
    def __init__(self, saved_scan: _Optional[_Union[SavedScan, _Mapping]] = ...) -> None: ...

class DeleteSavedScanRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class DeleteSavedScanResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RunSavedScanRequest(_message.Message):
    __slots__ = ("name", "bypass_cache")
    NAME_FIELD_NUMBER: _ClassVar[int]
    BYPASS_CACHE_FIELD_NUMBER: _ClassVar[int]
    name: str
    bypass_cache: bool
    def __init__(self, name: _Optional[str] = ..., bypass_cache: _Optional[bool] = ...) -> None: ...

class RunSavedScanResponse(_message.Message):
    __slots__ = ("saved_scan", "result")
    SAVED_SCAN_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    saved_scan: SavedScan
    result: _universe_pb2.ScanUniverseResponse
    def __init__(self, saved_scan: _Optional[_Union[SavedScan, _Mapping]] = ..., result: _Optional[_Union[_universe_pb2.ScanUniverseResponse, _Mapping]] = ...) -> None: ...

class AlertEvent(_message.Message):
    __slots__ = ("event_id", "saved_scan", "sequence", "kind", "spread", "event_time")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    SAVED_SCAN_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    SPREAD_FIELD_NUMBER: _ClassVar[int]
    EVENT_TIME_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    saved_scan: str
    sequence: int
    kind: AlertKind
    spread: _spread_pb2.Spread
    event_time: _timestamp_pb2.Timestamp
    def __init__(self, event_id: _Optional[str] = ..., saved_scan: _Optional[str] = ..., sequence: _Optional[int] = ..., kind: _Optional[_Union[AlertKind, str]] = ..., spread: _Optional[_Union[_spread_pb2.Spread, _Mapping]] = ..., event_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class WatchAlertsRequest(_message.Message):
    __slots__ = ("saved_scan", "after_sequence")
    SAVED_SCAN_FIELD_NUMBER: _ClassVar[int]
    AFTER_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    saved_scan: str
    after_sequence: int
    def __init__(self, saved_scan: _Optional[str] = ..., after_sequence: _Optional[int] = ...) -> None: ...

class WatchAlertsResponse(_message.Message):
    __slots__ = ("event",)
    EVENT_FIELD_NUMBER: _ClassVar[int]
    event: AlertEvent
    def __init__(self, event: _Optional[_Union[AlertEvent, _Mapping]] = ...) -> None: ...
