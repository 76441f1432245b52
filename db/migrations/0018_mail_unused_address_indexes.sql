DROP INDEX "mail_messages_to_idx";--> statement-breakpoint
DROP INDEX "mail_recipients_address_idx";