'use strict'
// JSON-LD contexts served from agent/contexts/ before Credo's loader would fetch them from the web
// (which a load-test host may not reach). Credo bundles the common ones; these are the extra ones
// the ledger-free test credentials use (the citizenship v1 `PermanentResidentCard`, which ACA-Py
// bundles too).

const fs = require('fs')
const path = require('path')
require('@credo-ts/core') // the loader module below needs Credo's metadata set-up loaded first
const { defaultDocumentLoader } = require('@credo-ts/core/build/modules/vc/data-integrity/libraries/documentLoader')

const LOCAL_CONTEXTS = {
  'https://w3id.org/citizenship/v1': 'citizenship-v1.jsonld',
}
const loaded = new Map()

function localContext(url) {
  const file = LOCAL_CONTEXTS[url.split('#')[0]]
  if (!file) return null
  if (!loaded.has(file)) {
    loaded.set(file, JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'contexts', file), 'utf8')))
  }
  return loaded.get(file)
}

function documentLoaderWithLocalContexts(agentContext) {
  const fallback = defaultDocumentLoader(agentContext)
  return async (url) => {
    const document = localContext(url)
    return document ? { contextUrl: null, documentUrl: url, document } : fallback(url)
  }
}

module.exports = { documentLoaderWithLocalContexts }
