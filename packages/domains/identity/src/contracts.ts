// Public contracts of the identity domain: event and DTO schemas other packages (and the web
// app's forms) may import. Nothing else from this package is public.
import { z } from 'zod';
import { defineEvent, permissionPattern, roles, type EventContract, type Upcaster } from '@ubos/platform';

// ---------------------------------------------------------------------------------------------
// Shared field schemas
// ---------------------------------------------------------------------------------------------

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 256;

export const roleSchema = z.enum(roles);
export const permissionSchema = z.string().regex(permissionPattern, 'Permission must look like "domain.entity.verb"');
export const emailSchema = z
  .string()
  .trim()
  .max(320)
  .pipe(z.email({ message: 'Enter a valid email address' }))
  .transform((value) => value.toLowerCase());
export const passwordSchema = z
  .string()
  .min(PASSWORD_MIN_LENGTH, { message: `Use at least ${PASSWORD_MIN_LENGTH} characters` })
  .max(PASSWORD_MAX_LENGTH);
export const personNameSchema = z.string().trim().min(1, { message: 'Enter a name' }).max(200);
export const organizationNameSchema = z.string().trim().min(1, { message: 'Enter an organization name' }).max(200);
/**
 * Session and invitation tokens: 32 random bytes, base32 lowercase without padding (52 characters);
 * 32-character tokens issued before the switch to 256 bits stay readable until they expire.
 */
export const tokenSchema = z.string().regex(/^(?:[a-z2-7]{52}|[a-z2-7]{32})$/, { message: 'Invalid token' });

// ---------------------------------------------------------------------------------------------
// Command inputs (also the web app's form schemas)
// ---------------------------------------------------------------------------------------------

export const signUpInput = z.object({
  email: emailSchema,
  password: passwordSchema,
  name: personNameSchema,
  organizationName: organizationNameSchema,
});
export type SignUpInput = z.infer<typeof signUpInput>;

export const loginInput = z.object({
  email: emailSchema,
  // No minimum: an old or wrong password must get the generic failure, not a hint.
  password: z.string().min(1).max(PASSWORD_MAX_LENGTH),
});
export type LoginInput = z.infer<typeof loginInput>;

/** Forgot password: the answer is the same whether or not an account has this email. */
export const requestPasswordResetInput = z.object({ email: emailSchema });
export type RequestPasswordResetInput = z.infer<typeof requestPasswordResetInput>;

/** The reset link's token (in the URL fragment, read by the page, sent only when the form is submitted). */
export const passwordResetTokenInput = z.object({ token: tokenSchema });

export const resetPasswordInput = z.object({ token: tokenSchema, password: passwordSchema });
export type ResetPasswordInput = z.infer<typeof resetPasswordInput>;

export const passwordResetRequestedDto = z.object({ ok: z.literal(true), message: z.string() });
/** What the reset page shows before submitting: checking the link changes nothing. */
export const passwordResetPreviewDto = z.object({ valid: z.boolean(), expiresAt: z.string().nullable() });

export const changePasswordInput = z.object({
  currentPassword: z.string().min(1).max(PASSWORD_MAX_LENGTH),
  newPassword: passwordSchema,
});
export type ChangePasswordInput = z.infer<typeof changePasswordInput>;

export const switchOrganizationInput = z.object({ organizationId: z.uuid() });
export const createOrganizationInput = z.object({ name: organizationNameSchema });
export const changeRoleInput = z.object({ userId: z.uuid(), role: roleSchema });
export const removeMemberInput = z.object({ userId: z.uuid() });
export const createInvitationInput = z.object({ email: emailSchema, role: roleSchema });
export const revokeInvitationInput = z.object({ invitationId: z.uuid() });
export const invitationTokenInput = z.object({ token: tokenSchema });
export const acceptWithSignUpInput = z.object({
  token: tokenSchema,
  name: personNameSchema,
  password: passwordSchema,
});
export type AcceptWithSignUpInput = z.infer<typeof acceptWithSignUpInput>;
export const setOverrideInput = z.object({
  role: roleSchema,
  permission: permissionSchema,
  /** true/false overrides the matrix; null removes the override (back to the matrix). */
  granted: z.boolean().nullable(),
});
export type SetOverrideInput = z.infer<typeof setOverrideInput>;

// ---------------------------------------------------------------------------------------------
// DTOs (procedure outputs). Timestamps are ISO strings: the wire format is plain JSON.
// ---------------------------------------------------------------------------------------------

const timestamp = z.iso.datetime({ offset: true });

export const userDto = z.object({ id: z.uuid(), email: z.string(), name: z.string() });
export type UserDto = z.infer<typeof userDto>;

export const organizationDto = z.object({ id: z.uuid(), name: z.string(), role: roleSchema });
export type OrganizationDto = z.infer<typeof organizationDto>;

export const meDto = z.object({
  user: userDto,
  activeOrganization: organizationDto.nullable(),
  role: roleSchema.nullable(),
  permissions: z.array(permissionSchema),
  organizations: z.array(organizationDto),
  sessionExpiresAt: timestamp,
});
export type MeDto = z.infer<typeof meDto>;

export const authResultDto = z.object({ user: userDto, activeOrganization: organizationDto.nullable() });
export type AuthResultDto = z.infer<typeof authResultDto>;

export const memberDto = z.object({
  membershipId: z.uuid(),
  userId: z.uuid(),
  email: z.string(),
  name: z.string(),
  role: roleSchema,
  joinedAt: timestamp,
});
export type MemberDto = z.infer<typeof memberDto>;

export const invitationStatusSchema = z.enum(['pending', 'accepted', 'revoked', 'expired']);
export const invitationDto = z.object({
  id: z.uuid(),
  email: z.string(),
  role: roleSchema,
  status: invitationStatusSchema,
  invitedBy: z.uuid().nullable(),
  expiresAt: timestamp,
  createdAt: timestamp,
});
export type InvitationDto = z.infer<typeof invitationDto>;

/** Returned once, when the invitation is created: the token is never stored or shown again. */
export const createdInvitationDto = z.object({
  invitation: invitationDto,
  token: tokenSchema,
  acceptUrl: z.string(),
});

export const invitationPreviewDto = z.object({
  organizationName: z.string(),
  email: z.string(),
  role: roleSchema,
  expiresAt: timestamp,
});

export const matrixEntryDto = z.object({
  permission: permissionSchema,
  role: roleSchema,
  granted: z.boolean(),
  /** What the shipped matrix says, before this tenant's override. */
  defaultGranted: z.boolean(),
  overridden: z.boolean(),
  /** false for owner + identity.role.manage: an organization can never lock itself out. */
  editable: z.boolean(),
});
export const roleMatrixDto = z.object({
  roles: z.array(roleSchema),
  permissions: z.array(permissionSchema),
  entries: z.array(matrixEntryDto),
});
export type RoleMatrixDto = z.infer<typeof roleMatrixDto>;

export const okDto = z.object({ ok: z.literal(true) });

/** My account → one of my active sessions. `id` is a handle derived from the session (never the session key). */
export const accountSessionDto = z.object({
  id: z.string(),
  current: z.boolean(),
  /** The device in words, from the user agent ("Chrome on macOS"). */
  device: z.string(),
  ip: z.string().nullable(),
  createdAt: timestamp,
  lastSeenAt: timestamp,
  expiresAt: timestamp,
});
export type AccountSessionDto = z.infer<typeof accountSessionDto>;
export const endSessionInput = z.object({ id: z.string().regex(/^[0-9a-f]{32}$/, 'Choose a session from the list') });
export const endedSessionsDto = z.object({ ended: z.number().int() });

// ---------------------------------------------------------------------------------------------
// API keys (§7): a tenant's service principals for the typed client and HTTP callers
// ---------------------------------------------------------------------------------------------

/** `ubos_` + 32 random bytes in base32 lowercase (52 characters). */
export const API_KEY_PREFIX = 'ubos_';
export const apiKeySecretPattern = /^ubos_[a-z2-7]{52}$/;
/** The longest a key may live: a year (and a day, so "in 365 days" at any hour fits). */
export const API_KEY_MAX_DAYS = 366;

export const createApiKeyInput = z
  .object({
    name: z.string().trim().min(1, { message: 'Enter a name for the key' }).max(100, { message: 'Use 100 characters or fewer' }),
    /** Scope by role: the key holds that role's permissions. */
    role: roleSchema.optional(),
    /** Or scope by a chosen subset of the creator's permissions. */
    permissions: z.array(permissionSchema).min(1, { message: 'Choose at least one permission' }).max(500).optional(),
    expiresAt: timestamp,
  })
  .refine((input) => (input.role === undefined) !== (input.permissions === undefined), {
    message: 'Choose either a role or a list of permissions for the key',
    path: ['role'],
  });
export type CreateApiKeyInput = z.infer<typeof createApiKeyInput>;
export const revokeApiKeyInput = z.object({ apiKeyId: z.uuid() });

export const apiKeyStatusSchema = z.enum(['active', 'expired', 'revoked']);
export const apiKeyDto = z.object({
  id: z.uuid(),
  name: z.string(),
  /** The secret's first characters (`ubos_abcd…`): enough to tell keys apart, useless to call with. */
  prefix: z.string(),
  role: roleSchema,
  /** null: every permission of the role. */
  permissions: z.array(permissionSchema).nullable(),
  status: apiKeyStatusSchema,
  createdBy: z.uuid().nullable(),
  createdAt: timestamp,
  expiresAt: timestamp,
  lastUsedAt: timestamp.nullable(),
  revokedAt: timestamp.nullable(),
});
export type ApiKeyDto = z.infer<typeof apiKeyDto>;
/** Returned once, at creation: the secret is never stored or shown again. */
export const createdApiKeyDto = z.object({ apiKey: apiKeyDto, secret: z.string().regex(apiKeySecretPattern) });
export type CreatedApiKeyDto = z.infer<typeof createdApiKeyDto>;

// ---------------------------------------------------------------------------------------------
// Events (the envelope carries the organization concerned as tenant_id)
// ---------------------------------------------------------------------------------------------

// Version 2 (snake_case payloads, the convention of every domain's events). Writers emit these.

export const userCreated = defineEvent({
  type: 'identity.user.created',
  version: 2,
  aggregateType: 'identity.user',
  payload: z.object({ user_id: z.uuid(), email: z.string(), name: z.string() }),
});

export const organizationCreated = defineEvent({
  type: 'identity.organization.created',
  version: 2,
  aggregateType: 'identity.organization',
  payload: z.object({ organization_id: z.uuid(), name: z.string(), created_by: z.uuid() }),
});

export const memberInvited = defineEvent({
  type: 'identity.member.invited',
  version: 2,
  aggregateType: 'identity.invitation',
  // No token: only its hash exists, and it is not an event's business.
  payload: z.object({
    invitation_id: z.uuid(),
    email: z.string(),
    role: roleSchema,
    invited_by: z.uuid(),
    expires_at: z.string(),
  }),
});

export const invitationRevoked = defineEvent({
  type: 'identity.invitation.revoked',
  version: 2,
  aggregateType: 'identity.invitation',
  payload: z.object({ invitation_id: z.uuid(), email: z.string(), revoked_by: z.uuid() }),
});

export const memberJoined = defineEvent({
  type: 'identity.member.joined',
  version: 2,
  aggregateType: 'identity.membership',
  payload: z.object({
    membership_id: z.uuid(),
    user_id: z.uuid(),
    role: roleSchema,
    via: z.enum(['sign_up', 'organization_created', 'invitation']),
    invitation_id: z.uuid().nullable(),
  }),
});

export const memberRoleChanged = defineEvent({
  type: 'identity.member.role_changed',
  version: 2,
  aggregateType: 'identity.membership',
  payload: z.object({
    membership_id: z.uuid(),
    user_id: z.uuid(),
    previous_role: roleSchema,
    role: roleSchema,
    changed_by: z.uuid(),
  }),
});

export const memberRemoved = defineEvent({
  type: 'identity.member.removed',
  version: 2,
  aggregateType: 'identity.membership',
  payload: z.object({ membership_id: z.uuid(), user_id: z.uuid(), role: roleSchema, removed_by: z.uuid() }),
});

export const rolePermissionChanged = defineEvent({
  type: 'identity.role.permission_changed',
  version: 2,
  aggregateType: 'identity.role',
  payload: z.object({
    role: roleSchema,
    permission: permissionSchema,
    /** null: the override was removed and the matrix applies again. */
    granted: z.boolean().nullable(),
    changed_by: z.uuid(),
  }),
});

export const sessionStarted = defineEvent({
  type: 'identity.session.started',
  version: 2,
  aggregateType: 'identity.user',
  // The session id (a hash) is not included: the event log is not a session store.
  payload: z.object({ user_id: z.uuid(), method: z.enum(['sign_up', 'password', 'invitation', 'password_change']) }),
});

export const sessionEnded = defineEvent({
  type: 'identity.session.ended',
  version: 2,
  aggregateType: 'identity.user',
  payload: z.object({ user_id: z.uuid(), reason: z.enum(['logout', 'replaced', 'password_change', 'password_reset', 'user_disabled']) }),
});

export const sessionSwitched = defineEvent({
  type: 'identity.session.organization_switched',
  version: 2,
  aggregateType: 'identity.user',
  payload: z.object({ user_id: z.uuid(), from_organization_id: z.uuid().nullable() }),
});

export const passwordChanged = defineEvent({
  type: 'identity.password.changed',
  version: 2,
  aggregateType: 'identity.user',
  payload: z.object({ user_id: z.uuid(), sessions_ended: z.number().int().min(0) }),
});

/** A reset link was emailed (never the token). Written in the tenant whose Sent by UBOS log holds the email. */
export const passwordResetRequested = defineEvent({
  type: 'identity.password.reset_requested',
  version: 1,
  aggregateType: 'identity.user',
  payload: z.object({ user_id: z.uuid(), expires_at: z.string() }),
});

/** A reset link was used: the password changed and every session of the user ended. */
export const passwordReset = defineEvent({
  type: 'identity.password.reset',
  version: 1,
  aggregateType: 'identity.user',
  payload: z.object({ user_id: z.uuid(), sessions_ended: z.number().int().min(0) }),
});

/** An API key was created (never the secret). The timeline names the key's actions after `name`. */
export const apiKeyCreated = defineEvent({
  type: 'identity.api_key.created',
  version: 1,
  aggregateType: 'identity.api_key',
  payload: z.object({
    api_key_id: z.uuid(),
    name: z.string(),
    role: roleSchema,
    permissions: z.array(z.string()).nullable(),
    expires_at: z.string(),
    created_by: z.uuid(),
  }),
});

export const apiKeyRevoked = defineEvent({
  type: 'identity.api_key.revoked',
  version: 1,
  aggregateType: 'identity.api_key',
  payload: z.object({ api_key_id: z.uuid(), name: z.string(), revoked_by: z.uuid() }),
});

// Version 1 (camelCase payloads): still readable from outboxes, upcast to version 2 on read.

export const userCreatedV1 = defineEvent({
  type: 'identity.user.created',
  version: 1,
  aggregateType: 'identity.user',
  payload: z.object({ userId: z.uuid(), email: z.string(), name: z.string() }),
});

export const organizationCreatedV1 = defineEvent({
  type: 'identity.organization.created',
  version: 1,
  aggregateType: 'identity.organization',
  payload: z.object({ organizationId: z.uuid(), name: z.string(), createdBy: z.uuid() }),
});

export const memberInvitedV1 = defineEvent({
  type: 'identity.member.invited',
  version: 1,
  aggregateType: 'identity.invitation',
  // No token: only its hash exists, and it is not an event's business.
  payload: z.object({
    invitationId: z.uuid(),
    email: z.string(),
    role: roleSchema,
    invitedBy: z.uuid(),
    expiresAt: z.string(),
  }),
});

export const invitationRevokedV1 = defineEvent({
  type: 'identity.invitation.revoked',
  version: 1,
  aggregateType: 'identity.invitation',
  payload: z.object({ invitationId: z.uuid(), email: z.string(), revokedBy: z.uuid() }),
});

export const memberJoinedV1 = defineEvent({
  type: 'identity.member.joined',
  version: 1,
  aggregateType: 'identity.membership',
  payload: z.object({
    membershipId: z.uuid(),
    userId: z.uuid(),
    role: roleSchema,
    via: z.enum(['sign_up', 'organization_created', 'invitation']),
    invitationId: z.uuid().nullable(),
  }),
});

export const memberRoleChangedV1 = defineEvent({
  type: 'identity.member.role_changed',
  version: 1,
  aggregateType: 'identity.membership',
  payload: z.object({
    membershipId: z.uuid(),
    userId: z.uuid(),
    previousRole: roleSchema,
    role: roleSchema,
    changedBy: z.uuid(),
  }),
});

export const memberRemovedV1 = defineEvent({
  type: 'identity.member.removed',
  version: 1,
  aggregateType: 'identity.membership',
  payload: z.object({ membershipId: z.uuid(), userId: z.uuid(), role: roleSchema, removedBy: z.uuid() }),
});

export const rolePermissionChangedV1 = defineEvent({
  type: 'identity.role.permission_changed',
  version: 1,
  aggregateType: 'identity.role',
  payload: z.object({
    role: roleSchema,
    permission: permissionSchema,
    /** null: the override was removed and the matrix applies again. */
    granted: z.boolean().nullable(),
    changedBy: z.uuid(),
  }),
});

export const sessionStartedV1 = defineEvent({
  type: 'identity.session.started',
  version: 1,
  aggregateType: 'identity.user',
  // The session id (a hash) is not included: the event log is not a session store.
  payload: z.object({ userId: z.uuid(), method: z.enum(['sign_up', 'password', 'invitation', 'password_change']) }),
});

export const sessionEndedV1 = defineEvent({
  type: 'identity.session.ended',
  version: 1,
  aggregateType: 'identity.user',
  payload: z.object({ userId: z.uuid(), reason: z.enum(['logout', 'password_change', 'user_disabled']) }),
});

export const sessionSwitchedV1 = defineEvent({
  type: 'identity.session.organization_switched',
  version: 1,
  aggregateType: 'identity.user',
  payload: z.object({ userId: z.uuid(), fromOrganizationId: z.uuid().nullable() }),
});

export const passwordChangedV1 = defineEvent({
  type: 'identity.password.changed',
  version: 1,
  aggregateType: 'identity.user',
  payload: z.object({ userId: z.uuid(), sessionsEnded: z.number().int().min(0) }),
});

function snakeCase(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/** v1 -> v2 of one identity event: the same fields, snake_case keys. */
function snakeCaseUpcaster(type: string): Upcaster {
  return {
    type,
    fromVersion: 1,
    upcast: (payload) => Object.fromEntries(Object.entries(payload).map(([key, value]) => [snakeCase(key), value])),
  };
}

/** Every contract identity publishes, both versions. */
export const identityEventContracts: readonly EventContract[] = [
  userCreated,
  organizationCreated,
  memberInvited,
  invitationRevoked,
  memberJoined,
  memberRoleChanged,
  memberRemoved,
  rolePermissionChanged,
  sessionStarted,
  sessionEnded,
  sessionSwitched,
  passwordChanged,
  passwordResetRequested,
  passwordReset,
  apiKeyCreated,
  apiKeyRevoked,
  userCreatedV1,
  organizationCreatedV1,
  memberInvitedV1,
  invitationRevokedV1,
  memberJoinedV1,
  memberRoleChangedV1,
  memberRemovedV1,
  rolePermissionChangedV1,
  sessionStartedV1,
  sessionEndedV1,
  sessionSwitchedV1,
  passwordChangedV1,
];

export const identityUpcasters: readonly Upcaster[] = [
  userCreated,
  organizationCreated,
  memberInvited,
  invitationRevoked,
  memberJoined,
  memberRoleChanged,
  memberRemoved,
  rolePermissionChanged,
  sessionStarted,
  sessionEnded,
  sessionSwitched,
  passwordChanged,
].map((contract) => snakeCaseUpcaster(contract.type));
