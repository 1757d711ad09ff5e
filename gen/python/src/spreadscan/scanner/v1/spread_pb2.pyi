from spreadscan.market.v1 import option_chain_pb2 as _option_chain_pb2
from spreadscan.scanner.v1 import query_pb2 as _query_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class LegAction(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LEG_ACTION_UNSPECIFIED: _ClassVar[LegAction]
    LEG_ACTION_BUY: _ClassVar[LegAction]
    LEG_ACTION_SELL: _ClassVar[LegAction]
LEG_ACTION_UNSPECIFIED: LegAction
LEG_ACTION_BUY: LegAction
LEG_ACTION_SELL: LegAction

class SpreadLeg(_message.Message):
    __slots__ = ("action", "quantity", "right", "strike", "expiry_date", "bid", "ask", "mid", "fill_price", "bid_ask_width", "bid_ask_width_fraction", "implied_volatility", "greeks", "implied_volatility_computed", "greeks_computed", "volume", "open_interest", "broker_contract_id", "open_interest_unknown")
    ACTION_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    RIGHT_FIELD_NUMBER: _ClassVar[int]
    STRIKE_FIELD_NUMBER: _ClassVar[int]
    EXPIRY_DATE_FIELD_NUMBER: _ClassVar[int]
    BID_FIELD_NUMBER: _ClassVar[int]
    ASK_FIELD_NUMBER: _ClassVar[int]
    MID_FIELD_NUMBER: _ClassVar[int]
    FILL_PRICE_FIELD_NUMBER: _ClassVar[int]
    BID_ASK_WIDTH_FIELD_NUMBER: _ClassVar[int]
    BID_ASK_WIDTH_FRACTION_FIELD_NUMBER: _ClassVar[int]
    IMPLIED_VOLATILITY_FIELD_NUMBER: _ClassVar[int]
    GREEKS_FIELD_NUMBER: _ClassVar[int]
    IMPLIED_VOLATILITY_COMPUTED_FIELD_NUMBER: _ClassVar[int]
    GREEKS_COMPUTED_FIELD_NUMBER: _ClassVar[int]
    VOLUME_FIELD_NUMBER: _ClassVar[int]
    OPEN_INTEREST_FIELD_NUMBER: _ClassVar[int]
    BROKER_CONTRACT_ID_FIELD_NUMBER: _ClassVar[int]
    OPEN_INTEREST_UNKNOWN_FIELD_NUMBER: _ClassVar[int]
    action: LegAction
    quantity: int
    right: _option_chain_pb2.OptionRight
    strike: float
    expiry_date: str
    bid: float
    ask: float
    mid: float
    fill_price: float
    bid_ask_width: float
    bid_ask_width_fraction: float
    implied_volatility: float
    greeks: _option_chain_pb2.Greeks
    implied_volatility_computed: bool
    greeks_computed: bool
    volume: int
    open_interest: int
    broker_contract_id: int
    open_interest_unknown: bool
    def __init__(self, action: _Optional[_Union[LegAction, str]] = ..., quantity: _Optional[int] = ..., right: _Optional[_Union[_option_chain_pb2.OptionRight, str]] = ..., strike: _Optional[float] = ..., expiry_date: _Optional[str] = ..., bid: _Optional[float] = ..., ask: _Optional[float] = ..., mid: _Optional[float] = ..., fill_price: _Optional[float] = ..., bid_ask_width: _Optional[float] = ..., bid_ask_width_fraction: _Optional[float] = ..., implied_volatility: _Optional[float] = ..., greeks: _Optional[_Union[_option_chain_pb2.Greeks, _Mapping]] = ..., implied_volatility_computed: _Optional[bool] = ..., greeks_computed: _Optional[bool] = ..., volume: _Optional[int] = ..., open_interest: _Optional[int] = ..., broker_contract_id: _Optional[int] = ..., open_interest_unknown: _Optional[bool] = ...) -> None: ...

class Liquidity(_message.Message):
    __slots__ = ("max_leg_bid_ask_width", "max_leg_bid_ask_width_fraction", "min_leg_open_interest", "min_leg_volume", "total_bid_ask_width", "open_interest_unknown")
    MAX_LEG_BID_ASK_WIDTH_FIELD_NUMBER: _ClassVar[int]
    MAX_LEG_BID_ASK_WIDTH_FRACTION_FIELD_NUMBER: _ClassVar[int]
    MIN_LEG_OPEN_INTEREST_FIELD_NUMBER: _ClassVar[int]
    MIN_LEG_VOLUME_FIELD_NUMBER: _ClassVar[int]
    TOTAL_BID_ASK_WIDTH_FIELD_NUMBER: _ClassVar[int]
    OPEN_INTEREST_UNKNOWN_FIELD_NUMBER: _ClassVar[int]
    max_leg_bid_ask_width: float
    max_leg_bid_ask_width_fraction: float
    min_leg_open_interest: int
    min_leg_volume: int
    total_bid_ask_width: float
    open_interest_unknown: bool
    def __init__(self, max_leg_bid_ask_width: _Optional[float] = ..., max_leg_bid_ask_width_fraction: _Optional[float] = ..., min_leg_open_interest: _Optional[int] = ..., min_leg_volume: _Optional[int] = ..., total_bid_ask_width: _Optional[float] = ..., open_interest_unknown: _Optional[bool] = ...) -> None: ...

class Spread(_message.Message):
    __slots__ = ("id", "strategy", "symbol", "expiry_date", "dte", "legs", "net_credit", "max_profit", "max_loss", "breakevens", "width", "credit_to_width", "return_on_risk", "pop", "probability_of_touch", "expected_value", "net_greeks", "liquidity", "score", "volatility", "time_to_expiry_years", "back_expiry_date", "back_dte", "short_sigma_distance", "earnings_before_expiry", "ex_dividend_before_expiry", "early_assignment_risk")
    ID_FIELD_NUMBER: _ClassVar[int]
    STRATEGY_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    EXPIRY_DATE_FIELD_NUMBER: _ClassVar[int]
    DTE_FIELD_NUMBER: _ClassVar[int]
    LEGS_FIELD_NUMBER: _ClassVar[int]
    NET_CREDIT_FIELD_NUMBER: _ClassVar[int]
    MAX_PROFIT_FIELD_NUMBER: _ClassVar[int]
    MAX_LOSS_FIELD_NUMBER: _ClassVar[int]
    BREAKEVENS_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    CREDIT_TO_WIDTH_FIELD_NUMBER: _ClassVar[int]
    RETURN_ON_RISK_FIELD_NUMBER: _ClassVar[int]
    POP_FIELD_NUMBER: _ClassVar[int]
    PROBABILITY_OF_TOUCH_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VALUE_FIELD_NUMBER: _ClassVar[int]
    NET_GREEKS_FIELD_NUMBER: _ClassVar[int]
    LIQUIDITY_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    VOLATILITY_FIELD_NUMBER: _ClassVar[int]
    TIME_TO_EXPIRY_YEARS_FIELD_NUMBER: _ClassVar[int]
    BACK_EXPIRY_DATE_FIELD_NUMBER: _ClassVar[int]
    BACK_DTE_FIELD_NUMBER: _ClassVar[int]
    SHORT_SIGMA_DISTANCE_FIELD_NUMBER: _ClassVar[int]
    EARNINGS_BEFORE_EXPIRY_FIELD_NUMBER: _ClassVar[int]
    EX_DIVIDEND_BEFORE_EXPIRY_FIELD_NUMBER: _ClassVar[int]
    EARLY_ASSIGNMENT_RISK_FIELD_NUMBER: _ClassVar[int]
    id: str
    strategy: _query_pb2.Strategy
    symbol: str
    expiry_date: str
    dte: int
    legs: _containers.RepeatedCompositeFieldContainer[SpreadLeg]
    net_credit: float
    max_profit: float
    max_loss: float
    breakevens: _containers.RepeatedScalarFieldContainer[float]
    width: float
    credit_to_width: float
    return_on_risk: float
    pop: float
    probability_of_touch: float
    expected_value: float
    net_greeks: _option_chain_pb2.Greeks
    liquidity: Liquidity
    score: float
    volatility: float
    time_to_expiry_years: float
    back_expiry_date: str
    back_dte: int
    short_sigma_distance: float
    earnings_before_expiry: bool
    ex_dividend_before_expiry: bool
    early_assignment_risk: bool
    def __init__(self, id: _Optional[str] = ..., strategy: _Optional[_Union[_query_pb2.Strategy, str]] = ..., symbol: _Optional[str] = ..., expiry_date: _Optional[str] = ..., dte: _Optional[int] = ..., legs: _Optional[_Iterable[_Union[SpreadLeg, _Mapping]]] = ..., net_credit: _Optional[float] = ..., max_profit: _Optional[float] = ..., max_loss: _Optional[float] = ..., breakevens: _Optional[_Iterable[float]] = ..., width: _Optional[float] = ..., credit_to_width: _Optional[float] = ..., return_on_risk: _Optional[float] = ..., pop: _Optional[float] = ..., probability_of_touch: _Optional[float] = ..., expected_value: _Optional[float] = ..., net_greeks: _Optional[_Union[_option_chain_pb2.Greeks, _Mapping]] = ..., liquidity: _Optional[_Union[Liquidity, _Mapping]] = ..., score: _Optional[float] = ..., volatility: _Optional[float] = ..., time_to_expiry_years: _Optional[float] = ..., back_expiry_date: _Optional[str] = ..., back_dte: _Optional[int] = ..., short_sigma_distance: _Optional[float] = ..., earnings_before_expiry: _Optional[bool] = ..., ex_dividend_before_expiry: _Optional[bool] = ..., early_assignment_risk: _Optional[bool] = ...) -> None: ...
