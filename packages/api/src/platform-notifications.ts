import { sql, type Database } from '@mfiq/db';

/** The one cross-organization read of the inbox: a signed-in user's unread counts, for the bell. */
export function createNotificationPlatform(db: Database) {
  return {
    async unreadNotifications(userId: string) {
      const { rows } = await sql<{ slug: string; name: string; unread: number }>`
        select slug, name, unread from app_user_unread_notifications(${userId})`.execute(db);
      return rows;
    },
  };
}
