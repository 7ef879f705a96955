import type { CanonicalInput, FetchRef } from '../../../../domain/integrations/canonical';
import type { HttpClient } from '../http';

/**
 * What a provider's adapter may reach for one connection: its settings (never secret), its
 * secrets (write-only to the API; an OAuth refresh saves new tokens back), the HTTP client, the
 * clock, and the provider's API endpoints by name (production URLs from the environment's
 * configuration, or — SAP's OData host, which is the customer's own — from the connection's
 * settings after the outbound URL guard; tests point them at a loopback stub).
 */
export interface ProviderAccess {
  settings: Record<string, unknown>;
  secrets: Record<string, string>;
  /** Stores changed secrets (a refreshed access token and its expiry, a rotated refresh token). */
  saveSecrets(patch: Record<string, string>): Promise<void>;
  http: HttpClient;
  now: Date;
  /** Named base URLs without a trailing slash, each adapter's own (`api`, `token`, `accounts`, `odata`, `graph`). */
  endpoints: Record<string, string>;
  /**
   * Stores a file the provider holds (a WhatsApp photo) in the media bucket under the tenant's
   * inbound prefix and answers its key: an adapter cannot write anywhere else.
   */
  storeMedia(name: string, bytes: Buffer, contentType: string): Promise<string>;
}

/** Thin notifications → full records, fetched from the provider's API. */
export type Resolve = (fetches: readonly FetchRef[], access: ProviderAccess) => Promise<CanonicalInput[]>;

/**
 * A reconciliation pull (DESIGN §9: a missed webhook must not mean missed data): every record
 * changed since `since` (the last pull's `next`), and where the next pull starts.
 */
export type Reconcile = (access: ProviderAccess, since: string) => Promise<{ records: CanonicalInput[]; next: string }>;
