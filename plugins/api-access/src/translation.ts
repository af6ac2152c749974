/*
 * The plugin's user-facing messages. Apps override them with
 * createTranslationResource / createTranslationMessages on this ref
 * (exported from the ./alpha entry point).
 */
import { createTranslationRef } from '@backstage/core-plugin-api/alpha';

/**
 * The api-access plugin's messages.
 *
 * @alpha
 */
export const apiAccessTranslationRef = createTranslationRef({
  id: 'api-access',
  messages: {
    apiAccessCard: {
      title: 'API access',
      owner: 'Owner',
      noOwner: 'No owner in the catalog',
      classification: 'Data classification',
      scopes: 'Scopes',
      noScopes: 'No scopes: access is all or nothing',
      environments: 'Environments',
      plans: 'Plans',
      requestAccess: 'Request access',
    },
    consumerGrantsCard: {
      title: 'API access held',
      empty:
        "This component holds no API access yet. Request it from the API's page.",
    },
    apiGrantsCard: {
      title: 'Access granted to this API',
      empty: 'Nobody holds access to this API through api-access yet.',
    },
    ownerGrantsCard: {
      title: 'Access to our APIs that needs a look',
      tableLabel: "Access to this group's APIs",
      showAll: 'Show all {{total}} grants',
      empty: "Nobody holds access to this group's APIs yet.",
      allWell:
        'Nothing needs a look: no grant is expiring, stale, orphaned or failing to revoke.',
    },
    grantsTable: {
      api: 'API',
      consumer: 'Consumer',
      status: 'Status',
      expires: 'Expires',
      credential: 'Credential',
      actions: 'Actions',
      allScopes: 'all scopes',
      neverUsed: 'never used',
      lastUsed: 'last used {{when}}',
      renewalInReview: 'Renewal in review',
      getCredential: 'Get credential',
      rotate: 'Rotate',
      getCertificate: 'Get certificate',
      renewCertificate: 'Renew certificate',
      renew: 'Renew',
      revoke: 'Revoke',
      retryProvisioning: 'Retry provisioning',
      getClientSecret: 'Get client secret',
      rotateClient: 'Rotate client',
      getClientSecretFor: 'Get client secret for {{api}}',
      rotateClientFor: 'Rotate client for {{api}}',
      credentialNone: 'none yet',
      credentialApiKey: 'API key {{prefix}}…',
      credentialCertificate: 'certificate {{prefix}}',
      credentialOAuth2Client: 'OAuth client {{clientId}}',
      credentialOther: '{{type}} {{prefix}}',
      oauth2Registering:
        'Registering the OAuth client at the identity provider…',
      oauth2RegisteringRetry:
        'Registering the OAuth client at the identity provider failed and is retried: {{reason}}',
      oauth2RegistrationFailed:
        'The OAuth client could not be registered at the identity provider: {{reason}}',
      oauth2RegistrationFailedNoReason:
        'The OAuth client could not be registered at the identity provider.',
    },
    oauth2Client: {
      getTitle: 'Get the client secret for {{api}}',
      rotateTitle: 'Rotate the OAuth client for {{api}}',
      rotateNotice:
        'Rotating registers a new client at the identity provider, with a new client id and secret. The current client ({{clientId}}) keeps working only for the configured overlap, then it is deleted.',
      onceWarning:
        'Copy the client secret into the storage your request named, now. You will not see it again: api-access does not keep it.',
      clientId: 'Client id',
      clientSecret: 'Client secret',
      tokenEndpoint: 'Token endpoint',
      scopes: 'Scopes: {{scopes}}',
      noScopes: 'Scopes: none (all or nothing)',
      audience: 'Audience: {{audience}}',
      exampleTitle: 'Fetch a token and call the API',
      exampleHelp:
        'Tokens are short-lived: fetch a new one when it expires. Send it as Authorization: Bearer.',
      copy: 'Copy',
      copied: 'Copied',
      copyNamed: 'Copy {{name}}',
      copyExample: 'Copy the example',
      issuedAt: 'Issued {{when}}',
      previousUntil: '; the previous client stops working {{when}}',
      notAClient:
        'The backend answered with something other than an OAuth client; nothing is shown.',
      show: 'Show the client secret',
      rotateAndShow: 'Rotate and show the new client',
      done: 'Done',
      cancel: 'Cancel',
    },
    plans: {
      legend: 'Plan',
      help: 'Each plan bundles scopes, limits and how the request is reviewed. Choosing one limits the choices below to what it allows.',
      noneChosen:
        'No plan chosen: the smallest plan that allows the scopes, environment and duration you ask for is used.',
      rateLimit: '{{requests}} requests per {{seconds}} s',
      quotaDay: '{{requests}} per day',
      quotaMonth: '{{requests}} per month',
      noQuota: 'no quota',
      maxDuration: 'up to {{days}} days',
      scopes: 'Scopes',
      environments: 'Environments',
      limits: 'Limits',
      review: 'Review',
      approvalAutomatic:
        'Approved automatically (risk-based review stages still apply)',
      approvalOwner: "Always reviewed by the API's owner",
      approvalPolicy: 'Reviewed as the review policy says',
      durationOnPlan: 'At most {{days}} days on the {{plan}} plan',
      planErrors:
        "The API's plans declaration has problems (the plans with problems are not offered):",
      requested: 'Requested plan',
      approved: 'Approved plan',
      planLine: 'Plan: {{plan}}',
      approvedLower: 'approved on {{plan}}',
      approveOn: 'Approve on plan',
      approveOnHelp:
        'A lower plan narrows the scopes to what it allows: {{scopes}}',
      asRequested: '{{plan}} (as requested)',
    },
    grantActions: {
      suspended: 'Suspended',
      suspendedBy: 'by {{by}} on {{when}}: {{reason}}',
      suspend: 'Suspend',
      resume: 'Resume',
      changePlan: 'Change plan',
      usage: 'Usage',
      cancel: 'Cancel',
      close: 'Close',
      suspendTitle: "Suspend {{consumer}}'s access to {{api}}",
      suspendExplained:
        'The {{environment}} credential is refused at the gateway at once. The grant, its credential and its history are kept: resuming makes the same credential work again.',
      reason: 'Reason',
      reasonHelp:
        "Required: recorded in the history and sent to the requester and the consumer's owners",
      confirmSuspend: 'Suspend access',
      resumeTitle: "Resume {{consumer}}'s access to {{api}}",
      resumeExplained:
        'The same credential works again at once. Suspended {{when}} by {{by}}: {{reason}}',
      comment: 'Comment (optional)',
      confirmResume: 'Resume access',
      changePlanTitle: "Change the plan of {{consumer}}'s access to {{api}}",
      changePlanExplained:
        'The credential stays the same. A downgrade takes effect at once and narrows the scopes to what the lower plan allows. An upgrade takes effect at once when the review policy needs no one beyond the owner; otherwise it is refused and the reason shown.',
      currentPlan: 'current plan',
      noOtherPlans: 'The API offers no other plan.',
      confirmChangePlan: 'Change plan',
      usageTitle: "Usage of {{consumer}}'s access to {{api}}",
    },
    usage: {
      chartLabel:
        'Calls per day over the last {{days}} days: {{calls}} calls, {{refused}} refused',
      quotaLine: 'quota {{limit}} per day',
      barLabel: '{{date}}: {{calls}} calls, {{refused}} refused',
      date: 'Day',
      calls: 'Calls',
      refused: 'Refused',
      legendCalls: 'Calls allowed',
      legendRefused: 'Refused',
      legendQuota: 'Daily quota',
      quotaUsedDay:
        '{{used}} of {{limit}} calls of the daily quota used today; it resets at {{resetsAt}}',
      quotaUsedMonth:
        '{{used}} of {{limit}} calls of the monthly quota used this month; it resets on {{resetsAt}}',
      loadFailed: 'Usage could not be loaded: {{message}}',
      noQuota: 'No quota on this plan.',
      noCalls: 'No calls in the last {{days}} days.',
    },
    reviewInbox: {
      title: 'Access requests to review',
      notMember:
        'Members of this group review access requests for the APIs it owns. You are not a member.',
      empty: "Nothing is waiting for this group's decision.",
      tableLabel: 'Access requests awaiting review',
      request: 'Request',
      access: 'Access',
      why: 'Why',
      openRequest: 'Open request',
      externalParty: '(external party)',
      approve: 'Approve',
      changes: 'Changes',
      reject: 'Reject',
    },
    requestForm: {
      title: 'Request access to {{api}}',
      consumer: 'Consumer',
      consumerHelp: 'The component (or partner) that will hold the credential',
      noConsumers:
        'None of your groups owns a component; ask your team to register one in the catalog.',
      environment: 'Environment',
      scopes: 'Scopes',
      scopesHelp: 'Ask for the least you need.',
      risk: 'Risk',
      whoWillReview: 'Who will review',
      stillNeeded: 'Still needed: {{fields}}',
      fixFirst: 'Fix first: {{message}}',
      andMore: ' (and {{more}} more)',
      cancel: 'Cancel',
      submit: 'Submit request',
      resubmitTitle: 'Edit and resubmit',
      resubmitComment: 'What changed (for the reviewers)',
      resubmit: 'Resubmit',
    },
    terms: {
      useCase: 'Use case',
      useCaseHelp: 'What will the consumer do with this API?',
      justification: 'Business justification',
      storage: 'Credential storage and rotation',
      storageHelp:
        'Where the credential will live and how it is rotated, e.g. Vault kv/my-service, rotated monthly',
      duration: 'Duration (days)',
      credentialType: 'Credential type',
      credentialTypeNotOffered: 'Not offered here: {{reason}}',
      notOfferedNoReason: 'not configured',
      credentialTypesLoading: 'Loading the credential types…',
      credentialTypesFailed:
        'The credential types could not be loaded: {{message}}',
    },
    accessReviews: {
      title: 'Access reviews',
      notMember:
        'Members of this group review, each period, who holds access to the APIs it owns. You are not a member.',
      empty:
        'No access review for this group yet. Each period every grant on its APIs comes here to be kept or revoked.',
      keep: 'Keep',
      revoke: 'Revoke',
      kept: 'Kept',
      revoked: 'Revoked',
      notAnswered: 'Not answered',
      open: 'Open',
      closed: 'Closed',
      keepReason: 'Why is this access still needed?',
      revokeReason: 'Reason',
      keepHelp: 'Required: recorded in the history',
      revokeHelp: 'Required: recorded in the history and sent to the requester',
      keepExplained:
        'The grant stays as it is until its expiry. Your comment is kept in the history of the review and of the grant.',
      revokeExplained:
        'The {{environment}} credential stops working at the gateway at once, and every provisioner is told to remove it. The grant and its history stay on record; access needs a new request.',
      cancel: 'Cancel',
      keepAccess: 'Keep access',
      revokeAccess: 'Revoke access',
    },
    page: {
      title: 'API access',
      subtitle: 'Requests for access to APIs in the catalog',
      tabsLabel: 'Access requests',
      myRequests: 'My requests',
      toReview: 'To review',
      reviewTimes: 'Review times',
    },
    requestList: {
      status: 'Status',
      anyStatus: 'Any status',
      emptyMine:
        'No requests here. Open an API in the catalog and choose "Request access".',
      emptyReviewable: 'Nothing is waiting for your decision.',
      mineLabel: 'My access requests',
      reviewableLabel: 'Requests to review',
      api: 'API',
      consumer: 'Consumer',
      requestedBy: 'Requested by',
      environment: 'Environment',
      scopes: 'Scopes',
      submitted: 'Submitted',
      allScopes: 'all',
    },
  },
});
