import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class OptionRight(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OPTION_RIGHT_UNSPECIFIED: _ClassVar[OptionRight]
    OPTION_RIGHT_CALL: _ClassVar[OptionRight]
    OPTION_RIGHT_PUT: _ClassVar[OptionRight]

class CorporateEventKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CORPORATE_EVENT_KIND_UNSPECIFIED: _ClassVar[CorporateEventKind]
    CORPORATE_EVENT_KIND_EARNINGS: _ClassVar[CorporateEventKind]
    CORPORATE_EVENT_KIND_EX_DIVIDEND: _ClassVar[CorporateEventKind]

class EventTimeOfDay(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EVENT_TIME_OF_DAY_UNSPECIFIED: _ClassVar[EventTimeOfDay]
    EVENT_TIME_OF_DAY_BEFORE_MARKET_OPEN: _ClassVar[EventTimeOfDay]
    EVENT_TIME_OF_DAY_DURING_MARKET: _ClassVar[EventTimeOfDay]
    EVENT_TIME_OF_DAY_AFTER_MARKET_CLOSE: _ClassVar[EventTimeOfDay]
OPTION_RIGHT_UNSPECIFIED: OptionRight
OPTION_RIGHT_CALL: OptionRight
OPTION_RIGHT_PUT: OptionRight
CORPORATE_EVENT_KIND_UNSPECIFIED: CorporateEventKind
CORPORATE_EVENT_KIND_EARNINGS: CorporateEventKind
CORPORATE_EVENT_KIND_EX_DIVIDEND: CorporateEventKind
EVENT_TIME_OF_DAY_UNSPECIFIED: EventTimeOfDay
EVENT_TIME_OF_DAY_BEFORE_MARKET_OPEN: EventTimeOfDay
EVENT_TIME_OF_DAY_DURING_MARKET: EventTimeOfDay
EVENT_TIME_OF_DAY_AFTER_MARKET_CLOSE: EventTimeOfDay

class Greeks(_message.Message):
    __slots__ = ("delta", "gamma", "theta", "vega")
    DELTA_FIELD_NUMBER: _ClassVar[int]
    GAMMA_FIELD_NUMBER: _ClassVar[int]
    THETA_FIELD_NUMBER: _ClassVar[int]
    VEGA_FIELD_NUMBER: _ClassVar[int]
    delta: float
    gamma: float
    theta: float
    vega: float
    def __init__(self, delta: _Optional[float] = ..., gamma: _Optional[float] = ..., theta: _Optional[float] = ..., vega: _Optional[float] = ...) -> None: ...

class OptionQuote(_message.Message):
    __slots__ = ("expiry_date", "strike", "right", "bid", "ask", "last", "volume", "open_interest", "implied_volatility", "greeks", "quote_time", "broker_contract_id", "open_interest_unknown")
    EXPIRY_DATE_FIELD_NUMBER: _ClassVar[int]
    STRIKE_FIELD_NUMBER: _ClassVar[int]
    RIGHT_FIELD_NUMBER: _ClassVar[int]
    BID_FIELD_NUMBER: _ClassVar[int]
    ASK_FIELD_NUMBER: _ClassVar[int]
    LAST_FIELD_NUMBER: _ClassVar[int]
    VOLUME_FIELD_NUMBER: _ClassVar[int]
    OPEN_INTEREST_FIELD_NUMBER: _ClassVar[int]
    IMPLIED_VOLATILITY_FIELD_NUMBER: _ClassVar[int]
    GREEKS_FIELD_NUMBER: _ClassVar[int]
    QUOTE_TIME_FIELD_NUMBER: _ClassVar[int]
    BROKER_CONTRACT_ID_FIELD_NUMBER: _ClassVar[int]
    OPEN_INTEREST_UNKNOWN_FIELD_NUMBER: _ClassVar[int]
    expiry_date: str
    strike: float
    right: OptionRight
    bid: float
    ask: float
    last: float
    volume: int
    open_interest: int
    implied_volatility: float
    greeks: Greeks
    quote_time: _timestamp_pb2.Timestamp
    broker_contract_id: int
    open_interest_unknown: bool
    def __init__(self, expiry_date: _Optional[str] = ..., strike: _Optional[float] = ..., right: _Optional[_Union[OptionRight, str]] = ..., bid: _Optional[float] = ..., ask: _Optional[float] = ..., last: _Optional[float] = ..., volume: _Optional[int] = ..., open_interest: _Optional[int] = ..., implied_volatility: _Optional[float] = ..., greeks: _Optional[_Union[Greeks, _Mapping]] = ..., quote_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., broker_contract_id: _Optional[int] = ..., open_interest_unknown: _Optional[bool] = ...) -> None: ...

class DailyImpliedVolatility(_message.Message):
    __slots__ = ("date", "implied_volatility")
    DATE_FIELD_NUMBER: _ClassVar[int]
    IMPLIED_VOLATILITY_FIELD_NUMBER: _ClassVar[int]
    date: str
    implied_volatility: float
    def __init__(self, date: _Optional[str] = ..., implied_volatility: _Optional[float] = ...) -> None: ...

class ImpliedVolatilityHistory(_message.Message):
    __slots__ = ("days", "source")
    DAYS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    days: _containers.RepeatedCompositeFieldContainer[DailyImpliedVolatility]
    source: str
    def __init__(self, days: _Optional[_Iterable[_Union[DailyImpliedVolatility, _Mapping]]] = ..., source: _Optional[str] = ...) -> None: ...

class CorporateEvent(_message.Message):
    __slots__ = ("date", "kind", "time_of_day")
    DATE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    TIME_OF_DAY_FIELD_NUMBER: _ClassVar[int]
    date: str
    kind: CorporateEventKind
    time_of_day: EventTimeOfDay
    def __init__(self, date: _Optional[str] = ..., kind: _Optional[_Union[CorporateEventKind, str]] = ..., time_of_day: _Optional[_Union[EventTimeOfDay, str]] = ...) -> None: ...

class EventCalendar(_message.Message):
    __slots__ = ("events", "source")
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[CorporateEvent]
    source: str
    def __init__(self, events: _Optional[_Iterable[_Union[CorporateEvent, _Mapping]]] = ..., source: _Optional[str] = ...) -> None: ...

class OptionChain(_message.Message):
    __slots__ = ("symbol", "underlying_price", "as_of", "rate", "dividend_yield", "multiplier", "delayed", "quotes", "source", "frozen", "implied_volatility_history", "events")
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    UNDERLYING_PRICE_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    RATE_FIELD_NUMBER: _ClassVar[int]
    DIVIDEND_YIELD_FIELD_NUMBER: _ClassVar[int]
    MULTIPLIER_FIELD_NUMBER: _ClassVar[int]
    DELAYED_FIELD_NUMBER: _ClassVar[int]
    QUOTES_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    FROZEN_FIELD_NUMBER: _ClassVar[int]
    IMPLIED_VOLATILITY_HISTORY_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    symbol: str
    underlying_price: float
    as_of: _timestamp_pb2.Timestamp
    rate: float
    dividend_yield: float
    multiplier: int
    delayed: bool
    quotes: _containers.RepeatedCompositeFieldContainer[OptionQuote]
    source: str
    frozen: bool
    implied_volatility_history: ImpliedVolatilityHistory
    events: EventCalendar
    def __init__(self, symbol: _Optional[str] = ..., underlying_price: _Optional[float] = ..., as_of: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., rate: _Optional[float] = ..., dividend_yield: _Optional[float] = ..., multiplier: _Optional[int] = ..., delayed: _Optional[bool] = ..., quotes: _Optional[_Iterable[_Union[OptionQuote, _Mapping]]] = ..., source: _Optional[str] = ..., frozen: _Optional[bool] = ..., implied_volatility_history: _Optional[_Union[ImpliedVolatilityHistory, _Mapping]] = ..., events: _Optional[_Union[EventCalendar, _Mapping]] = ...) -> None: ...
