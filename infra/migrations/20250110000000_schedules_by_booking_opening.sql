-- The schedules whose booking window is near: the projector's warmer asks
-- every 2 s and the concert list on each refresh. Without an index both
-- read every schedule ever registered, a cost that grows with history
-- (issue 19), and only a handful are ever in the window.
CREATE INDEX schedules_by_booking_opening ON schedules (booking_opens_at);
