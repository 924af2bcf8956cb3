// Generated from the API's /openapi.json by `npm run openapi-types` (scripts/openapi-types.ts): do not edit.

export interface paths {
    "/accounts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List accounts, newest first (operator token) */
        get: {
            parameters: {
                query?: {
                    limit?: number;
                    cursor?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A page of accounts */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            accounts: components["schemas"]["Account"][];
                            cursor?: string;
                        };
                    };
                };
                /** @description The request is invalid; details.issues names each field at fault */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid bearer token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token may not do this */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The resource is not in a state that allows this */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /** Create an account (operator token). Its bucket, CDN and signing key are provisioned in the background. */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["CreateAccount"];
                };
            };
            responses: {
                /** @description Created; the API key is shown only once */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            account: components["schemas"]["Account"];
                            apiKey: string;
                        };
                    };
                };
                /** @description The request is invalid; details.issues names each field at fault */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid bearer token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token may not do this */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The resource is not in a state that allows this */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/accounts/{accountId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get an account (operator token or the account's own key) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    accountId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The account */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            account: components["schemas"]["Account"];
                        };
                    };
                };
                /** @description The request is invalid; details.issues names each field at fault */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid bearer token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token may not do this */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The resource is not in a state that allows this */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /** Delete an account (operator token): its keys stop working at once, its CDN is disabled in the background; its bucket is kept. 409 while any of its channels is on air */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    accountId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Deprovisioning */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            account: components["schemas"]["Account"];
                        };
                    };
                };
                /** @description The request is invalid; details.issues names each field at fault */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid bearer token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token may not do this */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The resource is not in a state that allows this */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/accounts/{accountId}/api-keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Rotate the account's API key: a new key is returned once and the previous one stops working */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    accountId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The new key */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            apiKey: string;
                        };
                    };
                };
                /** @description The request is invalid; details.issues names each field at fault */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid bearer token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token may not do this */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The resource is not in a state that allows this */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/accounts/{accountId}/provision": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Retry provisioning of a FAILED (or stuck PROVISIONING) account (operator token) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    accountId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Provisioning again */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            account: components["schemas"]["Account"];
                        };
                    };
                };
                /** @description The request is invalid; details.issues names each field at fault */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid bearer token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token may not do this */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The resource is not in a state that allows this */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/channels": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The account's channels, newest first */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Channels */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            channels: components["schemas"]["Channel"][];
                        };
                    };
                };
                /** @description The request is invalid; details.issues names each field at fault */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid bearer token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token may not do this */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The resource is not in a state that allows this */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /** Create a live channel: RTMP (with a stream key), RTP or SRT (the encoder calls, with a passphrase) ingest, guarded by an IP allow-list; two ingest endpoints for STANDARD */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["CreateChannel"];
                };
            };
            responses: {
                /** @description Created */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            channel: components["schemas"]["Channel"];
                        };
                    };
                };
                /** @description The request is invalid; details.issues names each field at fault */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid bearer token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token may not do this */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The resource is not in a state that allows this */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/channels/{channelId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A channel, with its state and ingest endpoints */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    channelId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The channel */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            channel: components["schemas"]["Channel"];
                        };
                    };
                };
                /** @description The request is invalid; details.issues names each field at fault */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid bearer token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token may not do this */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The resource is not in a state that allows this */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /** Delete a channel that is not running: DELETING at once, gone (404) once the engine holds nothing of it */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    channelId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Deleting */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            channel: components["schemas"]["Channel"];
                        };
                    };
                };
                /** @description The request is invalid; details.issues names each field at fault */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid bearer token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token may not do this */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The resource is not in a state that allows this */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/channels/{channelId}/start": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Start the channel: a new recording session begins; the state follows the engine's events (STARTING, RUNNING) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    channelId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Starting */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            channel: components["schemas"]["Channel"];
                        };
                    };
                };
                /** @description The request is invalid; details.issues names each field at fault */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid bearer token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token may not do this */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The resource is not in a state that allows this */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/channels/{channelId}/stop": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Stop the channel (STOPPING, then STOPPED) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    channelId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Stopping */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            channel: components["schemas"]["Channel"];
                        };
                    };
                };
                /** @description The request is invalid; details.issues names each field at fault */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid bearer token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token may not do this */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The resource is not in a state that allows this */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/channels/{channelId}/playback": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Where viewers watch: the live HLS URL on the account's CDN and a time-limited signature for it */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    channelId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Playback */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Playback"];
                    };
                };
                /** @description The request is invalid; details.issues names each field at fault */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid bearer token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token may not do this */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The resource is not in a state that allows this */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/channels/{channelId}/broadcast": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** A signed, time-limited link to the broadcast page, and the WHIP endpoint and token behind it (RTMP_PUSH channels) */
        post: {
            parameters: {
                query?: {
                    /** @description Seconds the link and its token stay valid (default 3600) */
                    expiresIn?: number;
                };
                header?: never;
                path: {
                    channelId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The broadcast link */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Broadcast"];
                    };
                };
                /** @description The request is invalid; details.issues names each field at fault */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid bearer token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token may not do this */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The resource is not in a state that allows this */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/broadcast/channel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The channel a broadcast token is for, as its broadcast page shows it */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The channel's state */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["BroadcastStatus"];
                    };
                };
                /** @description No valid broadcast token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description The channel is gone */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/recordings": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The account's recordings, newest first, optionally of one channel */
        get: {
            parameters: {
                query?: {
                    channelId?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Recordings */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            recordings: components["schemas"]["Recording"][];
                        };
                    };
                };
                /** @description The request is invalid; details.issues names each field at fault */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid bearer token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token may not do this */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The resource is not in a state that allows this */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/recordings/{recordingId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A recording: RECORDING while the channel runs, ASSEMBLING after it stops, then READY (or FAILED), with its gaps */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    recordingId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The recording */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            recording: components["schemas"]["Recording"];
                        };
                    };
                };
                /** @description The request is invalid; details.issues names each field at fault */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid bearer token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token may not do this */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The resource is not in a state that allows this */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /** Delete a READY or FAILED recording: its MP4 and every segment of its session */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    recordingId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Deleted */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description The request is invalid; details.issues names each field at fault */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid bearer token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token may not do this */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The resource is not in a state that allows this */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/recordings/{recordingId}/retry": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Assemble a FAILED recording again (or one whose job never reported back) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    recordingId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Assembling */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            recording: components["schemas"]["Recording"];
                        };
                    };
                };
                /** @description The request is invalid; details.issues names each field at fault */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid bearer token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token may not do this */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The resource is not in a state that allows this */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/recordings/{recordingId}/playback": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A CloudFront signed URL (canned policy) to the recording's MP4, and a link to the web player */
        get: {
            parameters: {
                query?: {
                    /** @description Seconds the link stays valid (default 3600) */
                    expiresIn?: number;
                };
                header?: never;
                path: {
                    recordingId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Signed URL */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            recordingId: string;
                            url: string;
                            expiresAt: string;
                            playerUrl: string;
                        };
                    };
                };
                /** @description The request is invalid; details.issues names each field at fault */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid bearer token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token may not do this */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The resource is not in a state that allows this */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/media": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The account's media library, newest first */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Media */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            media: components["schemas"]["Media"][];
                        };
                    };
                };
                /** @description The request is invalid; details.issues names each field at fault */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid bearer token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token may not do this */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The resource is not in a state that allows this */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /** Add a file to the media library: returns the item (UPLOADING) and a presigned PUT valid for 15 minutes */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["CreateMedia"];
                };
            };
            responses: {
                /** @description Created; upload the file next */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            media: components["schemas"]["Media"];
                            upload: components["schemas"]["MediaUpload"];
                        };
                    };
                };
                /** @description The request is invalid; details.issues names each field at fault */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid bearer token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token may not do this */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The resource is not in a state that allows this */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/media/{mediaId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A media item: UPLOADING until its file is in the bucket, then READY with its size */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    mediaId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The media item */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            media: components["schemas"]["Media"];
                        };
                    };
                };
                /** @description The request is invalid; details.issues names each field at fault */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid bearer token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token may not do this */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The resource is not in a state that allows this */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /** Delete a media item and its file */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    mediaId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Deleted */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description The request is invalid; details.issues names each field at fault */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid bearer token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token may not do this */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The resource is not in a state that allows this */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/media/{mediaId}/playback": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A CloudFront signed URL (canned policy) to a READY file, and a link to the web player */
        get: {
            parameters: {
                query?: {
                    /** @description Seconds the link stays valid (default 3600) */
                    expiresIn?: number;
                };
                header?: never;
                path: {
                    mediaId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Signed URL */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            mediaId: string;
                            url: string;
                            expiresAt: string;
                            playerUrl: string;
                        };
                    };
                };
                /** @description The request is invalid; details.issues names each field at fault */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid bearer token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token may not do this */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The resource is not in a state that allows this */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/switchers": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The account's switchers, newest first */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Switchers */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            switchers: {
                                id: string;
                                name: string;
                                live?: string;
                                preview?: string;
                            }[];
                        };
                    };
                };
                /** @description The request is invalid; details.issues names each field at fault */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid bearer token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token may not do this */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The resource is not in a state that allows this */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /** Create a switcher from its architecture file: SRT ingests feeding a live and a preview output */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["SwitcherArchitecture"];
                };
            };
            responses: {
                /** @description Created */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            switcher: components["schemas"]["Switcher"];
                            /** @description The control panel of this switcher; add #key=<account API key> */
                            panelUrl: string;
                        };
                    };
                };
                /** @description The request is invalid; details.issues names each field at fault */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid bearer token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token may not do this */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The resource is not in a state that allows this */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/switchers/{switcherId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A switcher: its config, which ingest is on live and on preview, each ingest's health, and its monitors */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    switcherId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The switcher */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            switcher: components["schemas"]["Switcher"];
                            /** @description The control panel of this switcher; add #key=<account API key> */
                            panelUrl: string;
                        };
                    };
                };
                /** @description The request is invalid; details.issues names each field at fault */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid bearer token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token may not do this */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The resource is not in a state that allows this */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /** Delete a switcher: its ingests and outputs stop, its lineup is dropped */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    switcherId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Deleted */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description The request is invalid; details.issues names each field at fault */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid bearer token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token may not do this */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The resource is not in a state that allows this */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/switchers/{switcherId}/config": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /** Replace the architecture file; ingests and outputs are rebuilt, the buses keep their ingests where they still exist */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    switcherId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["SwitcherArchitecture"];
                };
            };
            responses: {
                /** @description Updated */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            switcher: components["schemas"]["Switcher"];
                        };
                    };
                };
                /** @description The request is invalid; details.issues names each field at fault */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid bearer token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token may not do this */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The resource is not in a state that allows this */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/switchers/{switcherId}/preview": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Put an ingest on the preview bus */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    switcherId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["SwitchPreview"];
                };
            };
            responses: {
                /** @description Switched */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            switcher: components["schemas"]["Switcher"];
                            switch: {
                                /** Format: date-time */
                                at: string;
                                /** @enum {string} */
                                bus: "live" | "preview";
                                ingestId: string;
                                previousIngestId?: string;
                                /** @enum {string} */
                                requestedMode: "clean" | "cut";
                                /** @enum {string} */
                                mode: "clean" | "cut";
                                /** @enum {string} */
                                reason: "operator" | "take" | "schedule" | "fallback";
                                landedAfterMs?: number;
                                note?: string;
                            };
                        };
                    };
                };
                /** @description The request is invalid; details.issues names each field at fault */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid bearer token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token may not do this */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The resource is not in a state that allows this */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/switchers/{switcherId}/live": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Put an ingest on air: clean (at its next keyframe, timeline continued; cut if none comes within 4 s) or cut (at the next packet) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    switcherId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["SwitchLive"];
                };
            };
            responses: {
                /** @description Switched */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            switcher: components["schemas"]["Switcher"];
                            switch: {
                                /** Format: date-time */
                                at: string;
                                /** @enum {string} */
                                bus: "live" | "preview";
                                ingestId: string;
                                previousIngestId?: string;
                                /** @enum {string} */
                                requestedMode: "clean" | "cut";
                                /** @enum {string} */
                                mode: "clean" | "cut";
                                /** @enum {string} */
                                reason: "operator" | "take" | "schedule" | "fallback";
                                landedAfterMs?: number;
                                note?: string;
                            };
                        };
                    };
                };
                /** @description The request is invalid; details.issues names each field at fault */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid bearer token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token may not do this */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The resource is not in a state that allows this */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/switchers/{switcherId}/take": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Take: the preview ingest goes on air and the one on air goes to preview */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    switcherId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["Take"];
                };
            };
            responses: {
                /** @description Taken */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            switcher: components["schemas"]["Switcher"];
                            switches: {
                                /** Format: date-time */
                                at: string;
                                /** @enum {string} */
                                bus: "live" | "preview";
                                ingestId: string;
                                previousIngestId?: string;
                                /** @enum {string} */
                                requestedMode: "clean" | "cut";
                                /** @enum {string} */
                                mode: "clean" | "cut";
                                /** @enum {string} */
                                reason: "operator" | "take" | "schedule" | "fallback";
                                landedAfterMs?: number;
                                note?: string;
                            }[];
                        };
                    };
                };
                /** @description The request is invalid; details.issues names each field at fault */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid bearer token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token may not do this */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The resource is not in a state that allows this */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/switchers/{switcherId}/schedule": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /** Replace the lineup: switches run on time (EventBridge Scheduler in AWS, a timer locally) */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    switcherId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["Lineup"];
                };
            };
            responses: {
                /** @description The lineup */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            schedule: {
                                /** Format: date-time */
                                at: string;
                                /** @enum {string} */
                                bus: "live" | "preview";
                                ingestId: string;
                                /**
                                 * @default clean
                                 * @enum {string}
                                 */
                                mode: "clean" | "cut";
                                id: string;
                                /** Format: date-time */
                                ranAt?: string;
                                failure?: string;
                            }[];
                        };
                    };
                };
                /** @description The request is invalid; details.issues names each field at fault */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid bearer token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token may not do this */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The resource is not in a state that allows this */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/switchers/{switcherId}/monitors/{bus}/thumbnail": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The bus's latest thumbnail, where monitors are thumbnails (AWS): 404 until MediaConnect has one */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    switcherId: string;
                    bus: "live" | "preview";
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The latest JPEG of the bus; Last-Modified says when MediaConnect took it */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "image/jpeg": string;
                    };
                };
                /** @description The request is invalid; details.issues names each field at fault */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid bearer token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token may not do this */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The resource is not in a state that allows this */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/switchers/{switcherId}/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Recent switches, newest first */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    switcherId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Switches */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            events: {
                                /** Format: date-time */
                                at: string;
                                /** @enum {string} */
                                bus: "live" | "preview";
                                ingestId: string;
                                previousIngestId?: string;
                                /** @enum {string} */
                                requestedMode: "clean" | "cut";
                                /** @enum {string} */
                                mode: "clean" | "cut";
                                /** @enum {string} */
                                reason: "operator" | "take" | "schedule" | "fallback";
                                landedAfterMs?: number;
                                note?: string;
                            }[];
                        };
                    };
                };
                /** @description The request is invalid; details.issues names each field at fault */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No valid bearer token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token may not do this */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The resource is not in a state that allows this */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        Account: {
            /** @example acc-0123456789abcdef */
            id: string;
            name: string;
            /** @enum {string} */
            status: "PROVISIONING" | "ACTIVE" | "FAILED" | "DELETING" | "DELETED";
            createdAt: string;
            updatedAt: string;
            provisioningAttempts: number;
            cdnBaseUrl?: string;
            bucketName?: string;
            distributionId?: string;
            publicKeyId?: string;
            failureReason?: string;
        };
        Error: {
            error: {
                /** @example VALIDATION_FAILED */
                code: string;
                message: string;
                details: {
                    [key: string]: unknown;
                };
            };
        };
        CreateAccount: {
            name: string;
        };
        Channel: {
            /** @example ch-0123456789abcdef */
            id: string;
            name: string;
            /** @enum {string} */
            inputType: "RTMP_PUSH" | "RTP_PUSH" | "SRT_LISTENER";
            /** @enum {string} */
            redundancy: "SINGLE" | "STANDARD";
            allowCidrs: string[];
            /** @enum {string} */
            latency: "normal" | "low";
            encryption?: {
                /** @default 3600 */
                keyRotationSeconds: number;
            };
            /** @enum {string} */
            state: "CREATING" | "CREATED" | "CREATE_FAILED" | "IDLE" | "STARTING" | "RUNNING" | "RECOVERING" | "STOPPING" | "STOPPED" | "UPDATING" | "UPDATE_FAILED" | "DELETING" | "DELETED";
            ingest: {
                /** @description rtmp://host:port/live, rtp://host:port or srt://host:port */
                url: string;
                /** @description RTMP: the stream name to publish with */
                streamKey?: string;
                /** @description SRT: the caller's passphrase (AES-128: pbkeylen=16) */
                passphrase?: string;
            }[];
            sessionId?: string;
            inputLostSince?: string;
            failureReason?: string;
            createdAt: string;
            updatedAt: string;
        };
        CreateChannel: {
            name: string;
            /** @enum {string} */
            inputType: "RTMP_PUSH" | "RTP_PUSH" | "SRT_LISTENER";
            /**
             * @default SINGLE
             * @enum {string}
             */
            redundancy: "SINGLE" | "STANDARD";
            allowCidrs: string[];
            /**
             * @default normal
             * @enum {string}
             */
            latency: "normal" | "low";
            encryption?: {
                /** @default 3600 */
                keyRotationSeconds: number;
            };
        };
        Playback: {
            channelId: string;
            /** @enum {string} */
            state: "CREATING" | "CREATED" | "CREATE_FAILED" | "IDLE" | "STARTING" | "RUNNING" | "RECOVERING" | "STOPPING" | "STOPPED" | "UPDATING" | "UPDATE_FAILED" | "DELETING" | "DELETED";
            /** @enum {string} */
            latency: "normal" | "low";
            /** @description The media itself is encrypted (HLS AES-128, CMAF common encryption); keys come from the CDN under the same grant */
            encrypted: boolean;
            /** @description The master playlist on the account's CDN (HLS on MPEG-TS) */
            hlsUrl: string;
            /** @description Every format the channel is packaged in, from one encode */
            formats: {
                /** @description HLS on MPEG-TS */
                hls: string;
                /** @description HLS on CMAF (fragmented MP4); for an encrypted channel where our key server's keys open it */
                hlsCmaf?: string;
                /** @description DASH on the same CMAF segments (low-latency DASH on a low-latency channel) */
                dash?: string;
                /** @description Smooth Streaming (clear channels only) */
                mss?: string;
            };
            /** @description The web player, ready to play each format */
            players: {
                /** @description HLS on MPEG-TS */
                hls: string;
                /** @description HLS on CMAF (fragmented MP4); for an encrypted channel where our key server's keys open it */
                hlsCmaf?: string;
                /** @description DASH on the same CMAF segments (low-latency DASH on a low-latency channel) */
                dash?: string;
                /** @description Smooth Streaming (clear channels only) */
                mss?: string;
            };
            /**
             * @description What playerUrl plays: DASH for low latency, HLS on MPEG-TS otherwise
             * @enum {string}
             */
            preferredFormat: "hls" | "hlsCmaf" | "dash" | "mss";
            /** @description CloudFront signature (custom policy over the stream's path): append to every playlist and segment request */
            query: string;
            /** @description The same grant as CloudFront-* signed cookies */
            cookies: {
                [key: string]: string;
            };
            expiresAt: string;
            /** @description The web player, ready to play this stream in its preferred format */
            playerUrl: string;
        };
        Broadcast: {
            channelId: string;
            /** @description The channel's WHIP endpoint (RFC 9725): POST an SDP offer with Authorization: Bearer <token>; OBS 30+ publishes here too */
            whipUrl: string;
            /** @description Bound to this channel, valid until expiresAt: the WHIP bearer token */
            token: string;
            expiresAt: string;
            /** @description The broadcast page, ready to go live on this channel from a browser (the token is in its fragment) */
            broadcastUrl: string;
        };
        BroadcastStatus: {
            channelId: string;
            name: string;
            /** @enum {string} */
            state: "CREATING" | "CREATED" | "CREATE_FAILED" | "IDLE" | "STARTING" | "RUNNING" | "RECOVERING" | "STOPPING" | "STOPPED" | "UPDATING" | "UPDATE_FAILED" | "DELETING" | "DELETED";
            inputLostSince?: string;
            failureReason?: string;
            expiresAt: string;
        };
        Recording: {
            /** @example rec-0123456789abcdef */
            id: string;
            channelId: string;
            sessionId: string;
            /** @enum {string} */
            status: "RECORDING" | "ASSEMBLING" | "READY" | "FAILED";
            durationMs?: number;
            sizeBytes?: number;
            gaps: {
                /** @enum {string} */
                reason: "missing-segments" | "no-input" | "transcoder-behind" | "engine-restart";
                from: string;
                to?: string;
                lostMs?: number;
                fromSequence?: number;
                toSequence?: number;
            }[];
            attempts: number;
            failureReason?: string;
            createdAt: string;
            updatedAt: string;
        };
        Media: {
            /** @example med-0123456789abcdef */
            id: string;
            /** @example opening-titles.mp4 */
            name: string;
            /** @enum {string} */
            contentType: "video/mp4" | "video/mp2t" | "video/quicktime" | "video/webm" | "audio/mpeg" | "audio/aac" | "audio/mp4" | "audio/wav" | "image/png" | "image/jpeg" | "image/webp" | "application/vnd.apple.mpegurl" | "text/vtt";
            /** @enum {string} */
            status: "UPLOADING" | "READY";
            sizeBytes?: number;
            /** @description The object key in the account's bucket: media/<mediaId>/<name> */
            key: string;
            createdAt: string;
            updatedAt: string;
        };
        MediaUpload: {
            /** @description PUT the file's bytes here, with exactly these headers, before expiresAt */
            url: string;
            /** @enum {string} */
            method: "PUT";
            headers: {
                [key: string]: string;
            };
            expiresAt: string;
        };
        CreateMedia: {
            name: string;
            /** @enum {string} */
            contentType: "video/mp4" | "video/mp2t" | "video/quicktime" | "video/webm" | "audio/mpeg" | "audio/aac" | "audio/mp4" | "audio/wav" | "image/png" | "image/jpeg" | "image/webp" | "application/vnd.apple.mpegurl" | "text/vtt";
        };
        Switcher: {
            /** @example sw-0123456789abcdef */
            id: string;
            name: string;
            /** @description The architecture file */
            architecture?: unknown;
            /** @description The ingest on air */
            live?: string;
            preview?: string;
            /** @description The on-air ingest that was lost */
            liveIngestLost?: {
                ingestId: string;
                since: string;
            };
            /**
             * @description Whether the engine runs the stored architecture yet: it is applied after the request answers. AWAITING_FLOWS: in AWS, the switcher's stack is not deployed yet; it is applied when the deployment completes
             * @enum {string}
             */
            applyState?: "APPLYING" | "APPLIED" | "APPLY_FAILED" | "AWAITING_FLOWS";
            /** @description Why the engine refused the architecture (APPLY_FAILED), or what it waits for (AWAITING_FLOWS) */
            applyFailure?: string;
            schedule: {
                /** Format: date-time */
                at: string;
                /** @enum {string} */
                bus: "live" | "preview";
                ingestId: string;
                /**
                 * @default clean
                 * @enum {string}
                 */
                mode: "clean" | "cut";
                id: string;
                /** Format: date-time */
                ranAt?: string;
                failure?: string;
            }[];
            ingests: {
                id: string;
                name: string;
                region: string;
                port: number;
                health: {
                    connected: boolean;
                    bitrateKbps: number;
                    lastKeyframeAgeMs: number | null;
                    /** @description false where the engine cannot time keyframes (MediaConnect in AWS): lastKeyframeAgeMs is then null */
                    keyframesTimed?: boolean;
                    /** @description TR 101 290 indicators MediaConnect raises on the connected source (ts_sync_loss, continuity_count_error, transport_error, pcr_error): shown, never a reason to fall back */
                    warnings: string[];
                    /** @description Since when the warnings have been raised */
                    warningsSince?: string;
                };
            }[];
            /** @description The buses' monitors: HLS on the account's CDN (local), or thumbnails through this API (AWS); null without one */
            monitors: {
                live: (components["schemas"]["HlsMonitor"] | components["schemas"]["ThumbnailMonitor"]) | null;
                preview: (components["schemas"]["HlsMonitor"] | components["schemas"]["ThumbnailMonitor"]) | null;
            };
            createdAt: string;
            updatedAt: string;
        };
        /** @description The bus's HLS playlist on the account's CDN, with its signature (the local runtime) */
        HlsMonitor: {
            /** @enum {string} */
            kind: "hls";
            hlsUrl: string;
            query: string;
            cookies: {
                [key: string]: string;
            };
            expiresAt: string;
        };
        /** @description The bus as MediaConnect's source thumbnails, refreshed every few seconds (AWS) */
        ThumbnailMonitor: {
            /** @enum {string} */
            kind: "thumbnail";
            /** @description A path of this API: GET it with the bearer token for the bus's latest JPEG */
            thumbnailUrl: string;
            /** @description How often to fetch it again */
            refreshMs: number;
        };
        SwitcherArchitecture: {
            $schema?: string;
            id?: string;
            name: string;
            regions: {
                id: string;
                name: string;
            }[];
            ingests: {
                id: string;
                name: string;
                region: string;
                /** @enum {string} */
                protocol: "srt-listener";
                port: number;
                passphraseSecret: string;
                /** Format: ipv4-cidr */
                allowCidr: string;
                maxBitrateKbps: number;
            }[];
            outputs: {
                live: {
                    /** @enum {string} */
                    protocol: "srt-listener";
                    port: number;
                    passphraseSecret?: string;
                    /** @default true */
                    hlsMonitor: boolean;
                } | {
                    /** @enum {string} */
                    protocol: "srt-caller";
                    destination: string;
                    passphraseSecret?: string;
                    /** @default true */
                    hlsMonitor: boolean;
                };
                preview: {
                    /** @enum {string} */
                    protocol: "srt-listener";
                    port: number;
                    passphraseSecret?: string;
                    /** @default true */
                    hlsMonitor: boolean;
                } | {
                    /** @enum {string} */
                    protocol: "srt-caller";
                    destination: string;
                    passphraseSecret?: string;
                    /** @default true */
                    hlsMonitor: boolean;
                };
            };
            fallback?: {
                to: string | "slate";
                /** @default 2000 */
                afterMs: number;
            };
            network?: {
                regions: {
                    [key: string]: {
                        /** Format: ipv4-cidr */
                        vpcCidr: string;
                    };
                };
                /** @default false */
                outputsOnVpc: boolean;
                /** @default [] */
                outputAllowCidrs: string[];
                dns?: {
                    hostedZoneId: string;
                    zoneName: string;
                };
            };
        };
        SwitchPreview: {
            ingestId: string;
        };
        SwitchLive: {
            ingestId: string;
            /**
             * @default clean
             * @enum {string}
             */
            mode: "clean" | "cut";
        };
        Take: {
            /**
             * @default clean
             * @enum {string}
             */
            mode: "clean" | "cut";
        };
        Lineup: {
            /** Format: date-time */
            at: string;
            /** @enum {string} */
            bus: "live" | "preview";
            ingestId: string;
            /**
             * @default clean
             * @enum {string}
             */
            mode: "clean" | "cut";
        }[];
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export type operations = Record<string, never>;
