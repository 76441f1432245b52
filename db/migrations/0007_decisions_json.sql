ALTER TABLE "routing_decisions" ALTER COLUMN "candidates" SET DATA TYPE json USING "candidates"::json;
