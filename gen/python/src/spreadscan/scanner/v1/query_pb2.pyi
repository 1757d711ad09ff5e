import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Strategy(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    STRATEGY_UNSPECIFIED: _ClassVar[Strategy]
    STRATEGY_BULL_PUT: _ClassVar[Strategy]
    STRATEGY_BEAR_CALL: _ClassVar[Strategy]
    STRATEGY_BULL_CALL: _ClassVar[Strategy]
    STRATEGY_BEAR_PUT: _ClassVar[Strategy]
    STRATEGY_IRON_CONDOR: _ClassVar[Strategy]
    STRATEGY_IRON_BUTTERFLY: _ClassVar[Strategy]
    STRATEGY_CALL_CALENDAR: _ClassVar[Strategy]
    STRATEGY_PUT_CALENDAR: _ClassVar[Strategy]
    STRATEGY_CALL_DIAGONAL: _ClassVar[Strategy]
    STRATEGY_PUT_DIAGONAL: _ClassVar[Strategy]

class SortKey(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SORT_KEY_UNSPECIFIED: _ClassVar[SortKey]
    SORT_KEY_SCORE: _ClassVar[SortKey]
    SORT_KEY_POP: _ClassVar[SortKey]
    SORT_KEY_EXPECTED_VALUE: _ClassVar[SortKey]
    SORT_KEY_RETURN_ON_RISK: _ClassVar[SortKey]
    SORT_KEY_CREDIT: _ClassVar[SortKey]
    SORT_KEY_CREDIT_TO_WIDTH: _ClassVar[SortKey]
    SORT_KEY_MAX_LOSS: _ClassVar[SortKey]
    SORT_KEY_PROBABILITY_OF_TOUCH: _ClassVar[SortKey]
    SORT_KEY_SHORT_SIGMA_DISTANCE: _ClassVar[SortKey]

class PricingMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PRICING_MODE_UNSPECIFIED: _ClassVar[PricingMode]
    PRICING_MODE_MID: _ClassVar[PricingMode]
    PRICING_MODE_NATURAL: _ClassVar[PricingMode]

class ProbabilityModel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PROBABILITY_MODEL_UNSPECIFIED: _ClassVar[ProbabilityModel]
    PROBABILITY_MODEL_EXPIRY_ATM_IV: _ClassVar[ProbabilityModel]
    PROBABILITY_MODEL_SHORT_LEG_IV: _ClassVar[ProbabilityModel]
    PROBABILITY_MODEL_CALLER_VOLATILITY: _ClassVar[ProbabilityModel]
STRATEGY_UNSPECIFIED: Strategy
STRATEGY_BULL_PUT: Strategy
STRATEGY_BEAR_CALL: Strategy
STRATEGY_BULL_CALL: Strategy
STRATEGY_BEAR_PUT: Strategy
STRATEGY_IRON_CONDOR: Strategy
STRATEGY_IRON_BUTTERFLY: Strategy
STRATEGY_CALL_CALENDAR: Strategy
STRATEGY_PUT_CALENDAR: Strategy
STRATEGY_CALL_DIAGONAL: Strategy
STRATEGY_PUT_DIAGONAL: Strategy
SORT_KEY_UNSPECIFIED: SortKey
SORT_KEY_SCORE: SortKey
SORT_KEY_POP: SortKey
SORT_KEY_EXPECTED_VALUE: SortKey
SORT_KEY_RETURN_ON_RISK: SortKey
SORT_KEY_CREDIT: SortKey
SORT_KEY_CREDIT_TO_WIDTH: SortKey
SORT_KEY_MAX_LOSS: SortKey
SORT_KEY_PROBABILITY_OF_TOUCH: SortKey
SORT_KEY_SHORT_SIGMA_DISTANCE: SortKey
PRICING_MODE_UNSPECIFIED: PricingMode
PRICING_MODE_MID: PricingMode
PRICING_MODE_NATURAL: PricingMode
PROBABILITY_MODEL_UNSPECIFIED: ProbabilityModel
PROBABILITY_MODEL_EXPIRY_ATM_IV: ProbabilityModel
PROBABILITY_MODEL_SHORT_LEG_IV: ProbabilityModel
PROBABILITY_MODEL_CALLER_VOLATILITY: ProbabilityModel

class ScanFilters(_message.Message):
    __slots__ = ("min_dte", "max_dte", "min_short_delta", "max_short_delta", "max_long_delta", "min_width", "max_width", "min_credit", "max_debit", "min_credit_to_width", "max_max_loss", "min_pop", "min_expected_value", "max_probability_of_touch", "min_return_on_risk", "min_open_interest", "min_volume", "max_leg_bid_ask_width", "max_leg_bid_ask_width_fraction", "min_short_implied_volatility", "max_short_implied_volatility", "short_strikes_out_of_the_money", "max_wing_width_difference", "max_per_expiry", "max_quote_age", "min_back_dte", "max_back_dte", "min_iv_rank", "max_iv_rank", "min_iv_percentile", "max_iv_percentile", "exclude_earnings_before_expiry", "exclude_ex_dividend_before_expiry", "min_short_sigma_distance")
    MIN_DTE_FIELD_NUMBER: _ClassVar[int]
    MAX_DTE_FIELD_NUMBER: _ClassVar[int]
    MIN_SHORT_DELTA_FIELD_NUMBER: _ClassVar[int]
    MAX_SHORT_DELTA_FIELD_NUMBER: _ClassVar[int]
    MAX_LONG_DELTA_FIELD_NUMBER: _ClassVar[int]
    MIN_WIDTH_FIELD_NUMBER: _ClassVar[int]
    MAX_WIDTH_FIELD_NUMBER: _ClassVar[int]
    MIN_CREDIT_FIELD_NUMBER: _ClassVar[int]
    MAX_DEBIT_FIELD_NUMBER: _ClassVar[int]
    MIN_CREDIT_TO_WIDTH_FIELD_NUMBER: _ClassVar[int]
    MAX_MAX_LOSS_FIELD_NUMBER: _ClassVar[int]
    MIN_POP_FIELD_NUMBER: _ClassVar[int]
    MIN_EXPECTED_VALUE_FIELD_NUMBER: _ClassVar[int]
    MAX_PROBABILITY_OF_TOUCH_FIELD_NUMBER: _ClassVar[int]
    MIN_RETURN_ON_RISK_FIELD_NUMBER: _ClassVar[int]
    MIN_OPEN_INTEREST_FIELD_NUMBER: _ClassVar[int]
    MIN_VOLUME_FIELD_NUMBER: _ClassVar[int]
    MAX_LEG_BID_ASK_WIDTH_FIELD_NUMBER: _ClassVar[int]
    MAX_LEG_BID_ASK_WIDTH_FRACTION_FIELD_NUMBER: _ClassVar[int]
    MIN_SHORT_IMPLIED_VOLATILITY_FIELD_NUMBER: _ClassVar[int]
    MAX_SHORT_IMPLIED_VOLATILITY_FIELD_NUMBER: _ClassVar[int]
    SHORT_STRIKES_OUT_OF_THE_MONEY_FIELD_NUMBER: _ClassVar[int]
    MAX_WING_WIDTH_DIFFERENCE_FIELD_NUMBER: _ClassVar[int]
    MAX_PER_EXPIRY_FIELD_NUMBER: _ClassVar[int]
    MAX_QUOTE_AGE_FIELD_NUMBER: _ClassVar[int]
    MIN_BACK_DTE_FIELD_NUMBER: _ClassVar[int]
    MAX_BACK_DTE_FIELD_NUMBER: _ClassVar[int]
    MIN_IV_RANK_FIELD_NUMBER: _ClassVar[int]
    MAX_IV_RANK_FIELD_NUMBER: _ClassVar[int]
    MIN_IV_PERCENTILE_FIELD_NUMBER: _ClassVar[int]
    MAX_IV_PERCENTILE_FIELD_NUMBER: _ClassVar[int]
    EXCLUDE_EARNINGS_BEFORE_EXPIRY_FIELD_NUMBER: _ClassVar[int]
    EXCLUDE_EX_DIVIDEND_BEFORE_EXPIRY_FIELD_NUMBER: _ClassVar[int]
    MIN_SHORT_SIGMA_DISTANCE_FIELD_NUMBER: _ClassVar[int]
    min_dte: int
    max_dte: int
    min_short_delta: float
    max_short_delta: float
    max_long_delta: float
    min_width: float
    max_width: float
    min_credit: float
    max_debit: float
    min_credit_to_width: float
    max_max_loss: float
    min_pop: float
    min_expected_value: float
    max_probability_of_touch: float
    min_return_on_risk: float
    min_open_interest: int
    min_volume: int
    max_leg_bid_ask_width: float
    max_leg_bid_ask_width_fraction: float
    min_short_implied_volatility: float
    max_short_implied_volatility: float
    short_strikes_out_of_the_money: bool
    max_wing_width_difference: float
    max_per_expiry: int
    max_quote_age: _duration_pb2.Duration
    min_back_dte: int
    max_back_dte: int
    min_iv_rank: float
    max_iv_rank: float
    min_iv_percentile: float
    max_iv_percentile: float
    exclude_earnings_before_expiry: bool
    exclude_ex_dividend_before_expiry: bool
    min_short_sigma_distance: float
    def __init__(self, min_dte: _Optional[int] = ..., max_dte: _Optional[int] = ..., min_short_delta: _Optional[float] = ..., max_short_delta: _Optional[float] = ..., max_long_delta: _Optional[float] = ..., min_width: _Optional[float] = ..., max_width: _Optional[float] = ..., min_credit: _Optional[float] = ..., max_debit: _Optional[float] = ..., min_credit_to_width: _Optional[float] = ..., max_max_loss: _Optional[float] = ..., min_pop: _Optional[float] = ..., min_expected_value: _Optional[float] = ..., max_probability_of_touch: _Optional[float] = ..., min_return_on_risk: _Optional[float] = ..., min_open_interest: _Optional[int] = ..., min_volume: _Optional[int] = ..., max_leg_bid_ask_width: _Optional[float] = ..., max_leg_bid_ask_width_fraction: _Optional[float] = ..., min_short_implied_volatility: _Optional[float] = ..., max_short_implied_volatility: _Optional[float] = ..., short_strikes_out_of_the_money: _Optional[bool] = ..., max_wing_width_difference: _Optional[float] = ..., max_per_expiry: _Optional[int] = ..., max_quote_age: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., min_back_dte: _Optional[int] = ..., max_back_dte: _Optional[int] = ..., min_iv_rank: _Optional[float] = ..., max_iv_rank: _Optional[float] = ..., min_iv_percentile: _Optional[float] = ..., max_iv_percentile: _Optional[float] = ..., exclude_earnings_before_expiry: _Optional[bool] = ..., exclude_ex_dividend_before_expiry: _Optional[bool] = ..., min_short_sigma_distance: _Optional[float] = ...) -> None: ...

class ScoreWeights(_message.Message):
    __slots__ = ("expected_value_per_risk", "pop", "liquidity")
    EXPECTED_VALUE_PER_RISK_FIELD_NUMBER: _ClassVar[int]
    POP_FIELD_NUMBER: _ClassVar[int]
    LIQUIDITY_FIELD_NUMBER: _ClassVar[int]
    expected_value_per_risk: float
    pop: float
    liquidity: float
    def __init__(self, expected_value_per_risk: _Optional[float] = ..., pop: _Optional[float] = ..., liquidity: _Optional[float] = ...) -> None: ...

class ScanQuery(_message.Message):
    __slots__ = ("strategies", "filters", "sort", "pricing", "limit", "score_weights", "probability_model", "volatility")
    STRATEGIES_FIELD_NUMBER: _ClassVar[int]
    FILTERS_FIELD_NUMBER: _ClassVar[int]
    SORT_FIELD_NUMBER: _ClassVar[int]
    PRICING_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    SCORE_WEIGHTS_FIELD_NUMBER: _ClassVar[int]
    PROBABILITY_MODEL_FIELD_NUMBER: _ClassVar[int]
    VOLATILITY_FIELD_NUMBER: _ClassVar[int]
    strategies: _containers.RepeatedScalarFieldContainer[Strategy]
    filters: ScanFilters
    sort: SortKey
    pricing: PricingMode
    limit: int
    score_weights: ScoreWeights
    probability_model: ProbabilityModel
    volatility: float
    def __init__(self, strategies: _Optional[_Iterable[_Union[Strategy, str]]] = ..., filters: _Optional[_Union[ScanFilters, _Mapping]] = ..., sort: _Optional[_Union[SortKey, str]] = ..., pricing: _Optional[_Union[PricingMode, str]] = ..., limit: _Optional[int] = ..., score_weights: _Optional[_Union[ScoreWeights, _Mapping]] = ..., probability_model: _Optional[_Union[ProbabilityModel, str]] = ..., volatility: _Optional[float] = ...) -> None: ...
