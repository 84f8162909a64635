-- A customer's group selects group price lists; carried in access tokens as `customer_group`.
ALTER TABLE customers ADD COLUMN customer_group TEXT;
