import { IconComponent } from '@backstage/core-plugin-api';
import VpnKeyIcon from '@material-ui/icons/VpnKey';

/**
 * The api-access icon: a key. For the legacy frontend system's sidebar,
 * `<SidebarItem icon={ApiAccessIcon} to="api-access" text="API access" />`;
 * the new frontend system's nav item uses it already.
 *
 * @public
 */
export const ApiAccessIcon: IconComponent = VpnKeyIcon;
