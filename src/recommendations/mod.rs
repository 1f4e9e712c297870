//! Course recommendations from the learner's history, each with its reason.
