/** Where the plugin page shows one request; notifications link here too. */
export const requestPath = (id: string) =>
  `/api-access/requests/${encodeURIComponent(id)}`;
