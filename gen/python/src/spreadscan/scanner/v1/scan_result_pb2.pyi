import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from spreadscan.scanner.v1 import query_pb2 as _query_pb2
from spreadscan.scanner.v1 import spread_pb2 as _spread_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SkipReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SKIP_REASON_UNSPECIFIED: _ClassVar[SkipReason]
    SKIP_REASON_NO_BID: _ClassVar[SkipReason]
    SKIP_REASON_NO_ASK: _ClassVar[SkipReason]
    SKIP_REASON_CROSSED: _ClassVar[SkipReason]
    SKIP_REASON_LOCKED: _ClassVar[SkipReason]
    SKIP_REASON_STALE: _ClassVar[SkipReason]
    SKIP_REASON_INVALID_STRIKE: _ClassVar[SkipReason]
    SKIP_REASON_INVALID_PRICE: _ClassVar[SkipReason]
    SKIP_REASON_UNKNOWN_RIGHT: _ClassVar[SkipReason]
    SKIP_REASON_INVALID_EXPIRY_DATE: _ClassVar[SkipReason]
    SKIP_REASON_EXPIRED: _ClassVar[SkipReason]
    SKIP_REASON_DUPLICATE_CONTRACT: _ClassVar[SkipReason]
    SKIP_REASON_NO_IMPLIED_VOLATILITY: _ClassVar[SkipReason]
    SKIP_REASON_OPEN_INTEREST_UNKNOWN: _ClassVar[SkipReason]

class VolatilitySource(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VOLATILITY_SOURCE_UNSPECIFIED: _ClassVar[VolatilitySource]
    VOLATILITY_SOURCE_AT_THE_MONEY_MEAN: _ClassVar[VolatilitySource]
    VOLATILITY_SOURCE_AT_THE_MONEY_CALL: _ClassVar[VolatilitySource]
    VOLATILITY_SOURCE_AT_THE_MONEY_PUT: _ClassVar[VolatilitySource]
    VOLATILITY_SOURCE_CALLER: _ClassVar[VolatilitySource]
    VOLATILITY_SOURCE_SHORT_LEG: _ClassVar[VolatilitySource]
SKIP_REASON_UNSPECIFIED: SkipReason
SKIP_REASON_NO_BID: SkipReason
SKIP_REASON_NO_ASK: SkipReason
SKIP_REASON_CROSSED: SkipReason
SKIP_REASON_LOCKED: SkipReason
SKIP_REASON_STALE: SkipReason
SKIP_REASON_INVALID_STRIKE: SkipReason
SKIP_REASON_INVALID_PRICE: SkipReason
SKIP_REASON_UNKNOWN_RIGHT: SkipReason
SKIP_REASON_INVALID_EXPIRY_DATE: SkipReason
SKIP_REASON_EXPIRED: SkipReason
SKIP_REASON_DUPLICATE_CONTRACT: SkipReason
SKIP_REASON_NO_IMPLIED_VOLATILITY: SkipReason
SKIP_REASON_OPEN_INTEREST_UNKNOWN: SkipReason
VOLATILITY_SOURCE_UNSPECIFIED: VolatilitySource
VOLATILITY_SOURCE_AT_THE_MONEY_MEAN: VolatilitySource
VOLATILITY_SOURCE_AT_THE_MONEY_CALL: VolatilitySource
VOLATILITY_SOURCE_AT_THE_MONEY_PUT: VolatilitySource
VOLATILITY_SOURCE_CALLER: VolatilitySource
VOLATILITY_SOURCE_SHORT_LEG: VolatilitySource

class ExpiryDistribution(_message.Message):
    __slots__ = ("expiry_date", "dte", "time_to_expiry_years", "forward", "volatility", "volatility_source", "strike")
    EXPIRY_DATE_FIELD_NUMBER: _ClassVar[int]
    DTE_FIELD_NUMBER: _ClassVar[int]
    TIME_TO_EXPIRY_YEARS_FIELD_NUMBER: _ClassVar[int]
    FORWARD_FIELD_NUMBER: _ClassVar[int]
    VOLATILITY_FIELD_NUMBER: _ClassVar[int]
    VOLATILITY_SOURCE_FIELD_NUMBER: _ClassVar[int]
    STRIKE_FIELD_NUMBER: _ClassVar[int]
    expiry_date: str
    dte: int
    time_to_expiry_years: float
    forward: float
    volatility: float
    volatility_source: VolatilitySource
    strike: float
    def __init__(self, expiry_date: _Optional[str] = ..., dte: _Optional[int] = ..., time_to_expiry_years: _Optional[float] = ..., forward: _Optional[float] = ..., volatility: _Optional[float] = ..., volatility_source: _Optional[_Union[VolatilitySource, str]] = ..., strike: _Optional[float] = ...) -> None: ...

class SkippedQuotes(_message.Message):
    __slots__ = ("reason", "count")
    REASON_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    reason: SkipReason
    count: int
    def __init__(self, reason: _Optional[_Union[SkipReason, str]] = ..., count: _Optional[int] = ...) -> None: ...

class ScanTimings(_message.Message):
    __slots__ = ("prepare_ms", "evaluate_ms", "total_ms")
    PREPARE_MS_FIELD_NUMBER: _ClassVar[int]
    EVALUATE_MS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_MS_FIELD_NUMBER: _ClassVar[int]
    prepare_ms: float
    evaluate_ms: float
    total_ms: float
    def __init__(self, prepare_ms: _Optional[float] = ..., evaluate_ms: _Optional[float] = ..., total_ms: _Optional[float] = ...) -> None: ...

class ExpiryContext(_message.Message):
    __slots__ = ("expiry_date", "dte", "time_to_expiry_years", "atm_strike", "atm_implied_volatility", "straddle_expected_move", "one_sigma_expected_move", "earnings_before_expiry", "ex_dividend_before_expiry")
    EXPIRY_DATE_FIELD_NUMBER: _ClassVar[int]
    DTE_FIELD_NUMBER: _ClassVar[int]
    TIME_TO_EXPIRY_YEARS_FIELD_NUMBER: _ClassVar[int]
    ATM_STRIKE_FIELD_NUMBER: _ClassVar[int]
    ATM_IMPLIED_VOLATILITY_FIELD_NUMBER: _ClassVar[int]
    STRADDLE_EXPECTED_MOVE_FIELD_NUMBER: _ClassVar[int]
    ONE_SIGMA_EXPECTED_MOVE_FIELD_NUMBER: _ClassVar[int]
    EARNINGS_BEFORE_EXPIRY_FIELD_NUMBER: _ClassVar[int]
    EX_DIVIDEND_BEFORE_EXPIRY_FIELD_NUMBER: _ClassVar[int]
    expiry_date: str
    dte: int
    time_to_expiry_years: float
    atm_strike: float
    atm_implied_volatility: float
    straddle_expected_move: float
    one_sigma_expected_move: float
    earnings_before_expiry: bool
    ex_dividend_before_expiry: bool
    def __init__(self, expiry_date: _Optional[str] = ..., dte: _Optional[int] = ..., time_to_expiry_years: _Optional[float] = ..., atm_strike: _Optional[float] = ..., atm_implied_volatility: _Optional[float] = ..., straddle_expected_move: _Optional[float] = ..., one_sigma_expected_move: _Optional[float] = ..., earnings_before_expiry: _Optional[bool] = ..., ex_dividend_before_expiry: _Optional[bool] = ...) -> None: ...

class MarketContext(_message.Message):
    __slots__ = ("atm_implied_volatility_30d", "atm_implied_volatility_30d_expiries", "iv_rank", "iv_percentile", "iv_history_days", "iv_history_low", "iv_history_high", "iv_history_source", "events_source", "next_earnings_date", "next_ex_dividend_date", "expiries")
    ATM_IMPLIED_VOLATILITY_30D_FIELD_NUMBER: _ClassVar[int]
    ATM_IMPLIED_VOLATILITY_30D_EXPIRIES_FIELD_NUMBER: _ClassVar[int]
    IV_RANK_FIELD_NUMBER: _ClassVar[int]
    IV_PERCENTILE_FIELD_NUMBER: _ClassVar[int]
    IV_HISTORY_DAYS_FIELD_NUMBER: _ClassVar[int]
    IV_HISTORY_LOW_FIELD_NUMBER: _ClassVar[int]
    IV_HISTORY_HIGH_FIELD_NUMBER: _ClassVar[int]
    IV_HISTORY_SOURCE_FIELD_NUMBER: _ClassVar[int]
    EVENTS_SOURCE_FIELD_NUMBER: _ClassVar[int]
    NEXT_EARNINGS_DATE_FIELD_NUMBER: _ClassVar[int]
    NEXT_EX_DIVIDEND_DATE_FIELD_NUMBER: _ClassVar[int]
    EXPIRIES_FIELD_NUMBER: _ClassVar[int]
    atm_implied_volatility_30d: float
    atm_implied_volatility_30d_expiries: _containers.RepeatedScalarFieldContainer[str]
    iv_rank: float
    iv_percentile: float
    iv_history_days: int
    iv_history_low: float
    iv_history_high: float
    iv_history_source: str
    events_source: str
    next_earnings_date: str
    next_ex_dividend_date: str
    expiries: _containers.RepeatedCompositeFieldContainer[ExpiryContext]
    def __init__(self, atm_implied_volatility_30d: _Optional[float] = ..., atm_implied_volatility_30d_expiries: _Optional[_Iterable[str]] = ..., iv_rank: _Optional[float] = ..., iv_percentile: _Optional[float] = ..., iv_history_days: _Optional[int] = ..., iv_history_low: _Optional[float] = ..., iv_history_high: _Optional[float] = ..., iv_history_source: _Optional[str] = ..., events_source: _Optional[str] = ..., next_earnings_date: _Optional[str] = ..., next_ex_dividend_date: _Optional[str] = ..., expiries: _Optional[_Iterable[_Union[ExpiryContext, _Mapping]]] = ...) -> None: ...

class ScanResult(_message.Message):
    __slots__ = ("symbol", "spreads", "candidates_evaluated", "candidates_passed", "skipped_quotes", "quotes_with_computed_greeks", "chain_as_of", "chain_version", "underlying_price", "delayed", "timings", "candidates_considered", "candidates_rejected_by_leg_filters", "candidates_rejected_by_spread_filters", "candidates_ranked_out", "candidates_fully_evaluated", "effective_query", "expiry_distributions", "frozen", "candidates_bounded_out", "work_budget_exhausted", "candidates_unexplored", "market_context", "rejections_by_filter", "rate", "dividend_yield")
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    SPREADS_FIELD_NUMBER: _ClassVar[int]
    CANDIDATES_EVALUATED_FIELD_NUMBER: _ClassVar[int]
    CANDIDATES_PASSED_FIELD_NUMBER: _ClassVar[int]
    SKIPPED_QUOTES_FIELD_NUMBER: _ClassVar[int]
    QUOTES_WITH_COMPUTED_GREEKS_FIELD_NUMBER: _ClassVar[int]
    CHAIN_AS_OF_FIELD_NUMBER: _ClassVar[int]
    CHAIN_VERSION_FIELD_NUMBER: _ClassVar[int]
    UNDERLYING_PRICE_FIELD_NUMBER: _ClassVar[int]
    DELAYED_FIELD_NUMBER: _ClassVar[int]
    TIMINGS_FIELD_NUMBER: _ClassVar[int]
    CANDIDATES_CONSIDERED_FIELD_NUMBER: _ClassVar[int]
    CANDIDATES_REJECTED_BY_LEG_FILTERS_FIELD_NUMBER: _ClassVar[int]
    CANDIDATES_REJECTED_BY_SPREAD_FILTERS_FIELD_NUMBER: _ClassVar[int]
    CANDIDATES_RANKED_OUT_FIELD_NUMBER: _ClassVar[int]
    CANDIDATES_FULLY_EVALUATED_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_QUERY_FIELD_NUMBER: _ClassVar[int]
    EXPIRY_DISTRIBUTIONS_FIELD_NUMBER: _ClassVar[int]
    FROZEN_FIELD_NUMBER: _ClassVar[int]
    CANDIDATES_BOUNDED_OUT_FIELD_NUMBER: _ClassVar[int]
    WORK_BUDGET_EXHAUSTED_FIELD_NUMBER: _ClassVar[int]
    CANDIDATES_UNEXPLORED_FIELD_NUMBER: _ClassVar[int]
    MARKET_CONTEXT_FIELD_NUMBER: _ClassVar[int]
    REJECTIONS_BY_FILTER_FIELD_NUMBER: _ClassVar[int]
    RATE_FIELD_NUMBER: _ClassVar[int]
    DIVIDEND_YIELD_FIELD_NUMBER: _ClassVar[int]
    symbol: str
    spreads: _containers.RepeatedCompositeFieldContainer[_spread_pb2.Spread]
    candidates_evaluated: int
    candidates_passed: int
    skipped_quotes: _containers.RepeatedCompositeFieldContainer[SkippedQuotes]
    quotes_with_computed_greeks: int
    chain_as_of: _timestamp_pb2.Timestamp
    chain_version: int
    underlying_price: float
    delayed: bool
    timings: ScanTimings
    candidates_considered: int
    candidates_rejected_by_leg_filters: int
    candidates_rejected_by_spread_filters: int
    candidates_ranked_out: int
    candidates_fully_evaluated: int
    effective_query: _query_pb2.ScanQuery
    expiry_distributions: _containers.RepeatedCompositeFieldContainer[ExpiryDistribution]
    frozen: bool
    candidates_bounded_out: int
    work_budget_exhausted: bool
    candidates_unexplored: int
    market_context: MarketContext
    rejections_by_filter: _containers.RepeatedCompositeFieldContainer[FilterRejections]
    rate: float
    dividend_yield: float
    def __init__(self, symbol: _Optional[str] = ..., spreads: _Optional[_Iterable[_Union[_spread_pb2.Spread, _Mapping]]] = ..., candidates_evaluated: _Optional[int] = ..., candidates_passed: _Optional[int] = ..., skipped_quotes: _Optional[_Iterable[_Union[SkippedQuotes, _Mapping]]] = ..., quotes_with_computed_greeks: _Optional[int] = ..., chain_as_of: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., chain_version: _Optional[int] = ..., underlying_price: _Optional[float] = ..., delayed: _Optional[bool] = ..., timings: _Optional[_Union[ScanTimings, _Mapping]] = ..., candidates_considered: _Optional[int] = ..., candidates_rejected_by_leg_filters: _Optional[int] = ..., candidates_rejected_by_spread_filters: _Optional[int] = ..., candidates_ranked_out: _Optional[int] = ..., candidates_fully_evaluated: _Optional[int] = ..., effective_query: _Optional[_Union[_query_pb2.ScanQuery, _Mapping]] = ..., expiry_distributions: _Optional[_Iterable[_Union[ExpiryDistribution, _Mapping]]] = ..., frozen: _Optional[bool] = ..., candidates_bounded_out: _Optional[int] = ..., work_budget_exhausted: _Optional[bool] = ..., candidates_unexplored: _Optional[int] = ..., market_context: _Optional[_Union[MarketContext, _Mapping]] = ..., rejections_by_filter: _Optional[_Iterable[_Union[FilterRejections, _Mapping]]] = ..., rate: _Optional[float] = ..., dividend_yield: _Optional[float] = ...) -> None: ...

class FilterRejections(_message.Message):
    __slots__ = ("filter", "candidates")
    FILTER_FIELD_NUMBER: _ClassVar[int]
    CANDIDATES_FIELD_NUMBER: _ClassVar[int]
    filter: str
    candidates: int
    def __init__(self, filter: _Optional[str] = ..., candidates: _Optional[int] = ...) -> None: ...

class SpreadsUpdate(_message.Message):
    __slots__ = ("sequence", "initial", "result", "added_ids", "removed_ids")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    INITIAL_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    ADDED_IDS_FIELD_NUMBER: _ClassVar[int]
    REMOVED_IDS_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    initial: bool
    result: ScanResult
    added_ids: _containers.RepeatedScalarFieldContainer[str]
    removed_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, sequence: _Optional[int] = ..., initial: _Optional[bool] = ..., result: _Optional[_Union[ScanResult, _Mapping]] = ..., added_ids: _Optional[_Iterable[str]] = ..., removed_ids: _Optional[_Iterable[str]] = ...) -> None: ...
