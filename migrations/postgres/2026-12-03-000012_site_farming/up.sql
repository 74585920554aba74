-- What a farming area farms: crops are grown (vùng trồng), animals, bees
-- and fish are raised (vùng nuôi); the consumer's page names it so.
-- Packing facilities farm nothing (NULL).
ALTER TABLE sites ADD COLUMN farming TEXT;
UPDATE sites SET farming = 'crops' WHERE kind = 'farming_area';
