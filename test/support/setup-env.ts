// Node 20 runs the tests; the SDK's "use Node 22" notice would only bury real output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
