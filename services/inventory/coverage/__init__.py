"""Coverage: what share of a GPC cell's activity a city's sensors measure (stated by the city
per cell or sensor group, or declared by the sensors), and each sensor's measured activity per
local month, so that the budget's pace can estimate a whole sector from a few meters."""
