/**
 * The HTTP plumbing every route shares: OpenAI's error envelope ({@link
 * dev.lathe.server.http.ApiErrors}), the caller's project, JSON bodies read field by field, paging,
 * server-sent events; and the dashboard's static assets. Depends on no other package of the server.
 */
package dev.lathe.server.http;
