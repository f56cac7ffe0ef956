// Search attributes Kompox sets on its workflows so operations can be listed per app and kind.
import { SearchAttributeType, defineSearchAttributeKey } from '@temporalio/common';

export const APP_ID = defineSearchAttributeKey('KompoxAppId', SearchAttributeType.KEYWORD);
export const OPERATION_KIND = defineSearchAttributeKey('KompoxOperationKind', SearchAttributeType.KEYWORD);

export const ALL_SEARCH_ATTRIBUTES = [APP_ID, OPERATION_KIND];
