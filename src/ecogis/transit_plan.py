"""Luohe's bus plan: the rules and 2025 targets of 漯政办〔2023〕22号 that the transit checks measure.

《漯河市深入贯彻城市公共交通优先发展战略 推动城市公共交通高质量发展实施方案》 promises for 2025
that 中心城区公共交通站点500米覆盖率 reaches 100 % (二、(二)2 "500米上车、5分钟换乘"), with at least
30 km of new bus lanes, harbour-style stops at 32 % or more, accessible platforms at 20 % or more and
bus priority at 20 % or more of arterial intersections (二、(二)3).  Read by
:mod:`ecogis.coverage`, :mod:`ecogis.proposals` and :mod:`ecogis.bus_indicators`.

Examples
--------
>>> TARGETS_2025["harbour_stop_share"]
0.32
>>> DEFAULT_RADIUS_M
500.0
"""

from __future__ import annotations

__all__ = ["BUS_LANE_RULE", "COVERAGE_RULE", "DEFAULT_RADIUS_M", "FACILITY_RULE", "TARGETS_2025"]

#: the plan's stop-coverage target
COVERAGE_RULE = ("漯政办〔2023〕22号《漯河市深入贯彻城市公共交通优先发展战略 推动城市公共交通高质量发展实施方案》"
                 "二、(二)2: 到2025年，中心城区公共交通站点500米覆盖率达到100%，实现主城区500米上车、5分钟换乘")
#: the plan's facility targets (harbour stops, bus lanes, priority intersections, accessible platforms)
FACILITY_RULE = ("漯政办〔2023〕22号 二、(二)3: 公共汽电车港湾式停靠站设置率达到32%以上。新增30公里以上公交专用道，"
                 "城市主干道公交优先通行交叉口设置比例达到20%以上。无障碍城市公共汽电车站台设置率达到20%以上")
BUS_LANE_RULE = "漯政办〔2023〕22号 二、(二)3: 新增30公里以上公交专用道 (task 三、(三)1 加快公交专用道建设)"
#: 2025 targets of 漯政办〔2023〕22号 (shares 0-1, km)
TARGETS_2025 = {
    "area_share": 1.0,
    "new_bus_lane_km": 30.0,
    "harbour_stop_share": 0.32,
    "accessible_platform_share": 0.20,
    "priority_intersection_share": 0.20,
}
#: the plan's walking distance to a stop (二、(二)2 "500米上车"), metres
DEFAULT_RADIUS_M = 500.0
