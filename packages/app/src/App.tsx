import { createApp } from '@backstage/frontend-defaults';
import { navModule } from './modules/nav';
import { demoSignInModule } from './modules/signIn';

// Plugins (catalog, API docs, org, notifications, api-access, ...) are
// discovered from package.json because app-config sets `app.packages: all`.
export default createApp({
  features: [navModule, demoSignInModule],
});
