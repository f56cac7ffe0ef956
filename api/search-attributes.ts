// Search attributes Kompox sets on its workflows so operations can be listed per app and kind.
import { SearchAttributeType, defineSearchAttributeKey } from '@temporalio/common';

/** The app key `ws/prv/app` on the controller, every operation and every scheduled run. */
export const APP_KEY = defineSearchAttributeKey('KompoxAppKey', SearchAttributeType.KEYWORD);
/** The operation kind (`app.deploy`, `snapshot.create`, …) on each operation's child workflow. */
export const OPERATION_KIND = defineSearchAttributeKey('KompoxOperationKind', SearchAttributeType.KEYWORD);

export const ALL_SEARCH_ATTRIBUTES = [APP_KEY, OPERATION_KIND];
