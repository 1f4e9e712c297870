-- Data saver: NULL follows the browser (Save-Data, slow connection), 1 always on, 0 always off.
ALTER TABLE users ADD COLUMN data_saver INTEGER;
