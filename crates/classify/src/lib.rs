//! Shu'an discovery engine.
