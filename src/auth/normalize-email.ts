/** Emails are trimmed and compared case-insensitively; they are stored this way too. */
export const normalizeEmail = (email: string): string => email.trim().toLowerCase();
