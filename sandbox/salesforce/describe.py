"""The JSON of the metadata resources: versions, the version's resources, describe global, the
sObject basic information and describe (field entries carry the keys a real describe has)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sponsorsync.sandbox.salesforce.schema import OBJECTS, Field, SObject

LATEST_VERSION = 66
FIRST_VERSION = 31
_SEASONS = ("Summer", "Winter", "Spring")
_SOAP_TYPES = {
    "id": "tns:ID", "reference": "tns:ID", "boolean": "xsd:boolean", "datetime": "xsd:dateTime",
    "date": "xsd:date", "int": "xsd:int", "double": "xsd:double", "currency": "xsd:double", "anyType": "xsd:anyType",
}  # fmt: skip
_CHILD_NAMES = {
    ("Contact", "AccountId"): "Contacts", ("Task", "WhatId"): "Tasks", ("Event", "WhatId"): "Events",
    ("Task", "WhoId"): "Tasks", ("Event", "WhoId"): "Events", ("AccountTeamMember", "AccountId"): "AccountTeamMembers",
    ("Account", "OwnerId"): None, ("Task", "AccountId"): None, ("Event", "AccountId"): None,
    ("EventRelation", "EventId"): "EventRelations", ("TaskRelation", "TaskId"): "TaskRelations",
    ("EventRelation", "RelationId"): None, ("TaskRelation", "RelationId"): None,
    ("EventRelation", "AccountId"): None, ("TaskRelation", "AccountId"): None,
    ("AccountHistory", "AccountId"): "Histories",
    ("Opportunity", "AccountId"): "Opportunities", ("Case", "AccountId"): "Cases", ("Case", "ContactId"): "Cases",
    ("OpportunityPartner", "OpportunityId"): "OpportunityPartnersFrom",
    ("OpportunityPartner", "AccountToId"): "OpportunityPartnersTo",
}  # fmt: skip
_NO_LAYOUT = frozenset(
    {
        "AccountTeamMember",
        "EventRelation",
        "TaskRelation",
        "AccountHistory",
        "OpportunityPartner",
        "Organization",
    }
)
_NO_FEED = _NO_LAYOUT | {"Task", "Event"}


def versions() -> list[dict[str, str]]:
    out = []
    for number in range(FIRST_VERSION, LATEST_VERSION + 1):
        k = number - FIRST_VERSION
        year = 14 + (k + 2) // 3
        quote = "\u2018" if number == 42 else "'"  # sic: Salesforce's own label for v42.0
        out.append(
            {
                "label": f"{_SEASONS[k % 3]} {quote}{year:02d}",
                "url": f"/services/data/v{number}.0",
                "version": f"{number}.0",
            }
        )
    return out


def resources(version: str, identity_url: str) -> dict[str, str]:
    base = f"/services/data/{version}"
    names = (
        "tooling", "metadata", "folders", "eclair", "prechatForms", "chatter", "tabs", "appMenu",
        "quickActions", "queryAll", "commerce", "wave", "iot", "analytics", "search", "composite",
        "parameterizedSearch", "fingerprint", "theme", "nouns", "event", "serviceTemplates", "recent",
        "connect", "licensing", "limits", "process", "dedupe", "async-queries", "query", "jobs", "match",
        "localizedvalue", "mobile", "emailConnect", "consent", "tokenizer", "compactLayouts",
        "knowledgeManagement", "sobjects", "actions", "support",
    )  # fmt: skip
    out = {name: f"{base}/{name}" for name in names}
    out["identity"] = identity_url
    return dict(sorted(out.items()))


def limits(max_requests: int, used: int, bulk_jobs: int = 0) -> dict[str, dict[str, Any]]:
    static = {
        "ConcurrentAsyncGetReportInstances": 200, "ConcurrentSyncReportRuns": 20, "DailyAsyncApexExecutions": 250000,
        "DailyBulkApiBatches": 15000, "DailyBulkV2QueryFileStorageMB": 976562, "DailyBulkV2QueryJobs": 10000,
        "DailyDurableStreamingApiEvents": 10000, "DailyGenericStreamingApiEvents": 10000,
        "DailyStandardVolumePlatformEvents": 10000, "DailyStreamingApiEvents": 10000, "DailyWorkflowEmails": 8040,
        "DataStorageMB": 5, "FileStorageMB": 20, "HourlyAsyncReportRuns": 1200, "HourlyDashboardRefreshes": 200,
        "HourlyDashboardResults": 5000, "HourlyODataCallout": 1000, "HourlyPublishedPlatformEvents": 50000,
        "HourlySyncReportRuns": 500, "HourlyTimeBasedWorkflow": 1000, "MassEmail": 10, "SingleEmail": 15,
        "StreamingApiConcurrentClients": 20,
    }  # fmt: skip
    out: dict[str, dict[str, Any]] = {
        name: {"Max": value, "Remaining": value} for name, value in static.items()
    }
    out["DailyApiRequests"] = {"Max": max_requests, "Remaining": max(0, max_requests - used)}
    jobs = out["DailyBulkV2QueryJobs"]
    jobs["Remaining"] = max(0, jobs["Max"] - bulk_jobs)
    out["PermissionSets"] = {"Max": 1500, "Remaining": 1498, "CreateCustom": {"Max": 1000, "Remaining": 998}}
    return dict(sorted(out.items()))


def _urls(obj: SObject, version: str) -> dict[str, str]:
    base = f"/services/data/{version}/sobjects/{obj.name}"
    urls = {
        "compactLayouts": f"{base}/describe/compactLayouts",
        "rowTemplate": f"{base}/{{ID}}",
        "approvalLayouts": f"{base}/describe/approvalLayouts",
        "listviews": f"{base}/listviews",
        "describe": f"{base}/describe",
        "quickActions": f"{base}/quickActions",
        "layouts": f"{base}/describe/layouts",
        "sobject": base,
    }
    if obj.is_activity or obj.name in _NO_LAYOUT:
        urls.pop("approvalLayouts")
        urls.pop("listviews")
    return urls


def global_entry(obj: SObject, version: str) -> dict[str, Any]:
    if obj.read_only:  # a history object, Organization: query and retrieve only
        entry = {**_global_entry(obj, version), "createable": False, "deletable": False, "layoutable": False,
                 "mruEnabled": False, "triggerable": False, "undeletable": False, "updateable": False}  # fmt: skip
        if obj.name == "Organization":  # no getUpdated / getDeleted on the org itself
            entry["replicateable"] = False
        return entry
    return _global_entry(obj, version)


def _global_entry(obj: SObject, version: str) -> dict[str, Any]:
    return {
        "activateable": False, "associateEntityType": None, "associateParentEntity": None,
        "createable": True, "custom": False, "customSetting": False, "deepCloneable": False,
        "deletable": obj.has_is_deleted, "deprecatedAndHidden": False, "feedEnabled": obj.name not in _NO_FEED,
        "hasSubtypes": False, "isInterface": False, "isSubtype": False, "keyPrefix": obj.key_prefix,
        "label": obj.label, "labelPlural": obj.label_plural, "layoutable": True,
        "mergeable": obj.name in ("Account", "Contact"), "mruEnabled": True, "name": obj.name,
        "queryable": True, "replicateable": True, "retrieveable": True, "searchable": obj.name not in _NO_LAYOUT,
        "triggerable": obj.name not in ("EventRelation", "TaskRelation"), "undeletable": obj.has_is_deleted, "updateable": True,
        "urls": _urls(obj, version),
    }  # fmt: skip


def describe_global(version: str, objects: Mapping[str, SObject] | None = None) -> dict[str, Any]:
    shown = (objects or OBJECTS).values()
    entries = [global_entry(obj, version) for obj in sorted(shown, key=lambda o: o.name)]
    return {"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": entries}


def field_entry(obj: SObject, f: Field) -> dict[str, Any]:
    text = (f.is_text and f.type not in ("id", "reference")) or f.type == "anyType"
    length = 18 if f.type in ("id", "reference") else f.length if text else 0
    sortable = f.type != "textarea"
    filterable = sortable and f.type != "anyType"  # a history's OldValue / NewValue: sort only
    compound = "Name" if obj.name in ("Contact", "User") and f.name in ("FirstName", "LastName") else None
    default: Any = f.default_value
    if f.type == "boolean":
        default = f.name == "IsActive"
    return {
        "aggregatable": filterable and f.type != "boolean", "aiPredictionField": False, "autoNumber": False,
        "byteLength": length * 3 if text else length, "calculated": False, "calculatedFormula": None,
        "cascadeDelete": False, "caseSensitive": f.case_sensitive, "compoundFieldName": compound,
        "controllerName": None, "createable": f.createable, "custom": f.custom, "defaultValue": default,
        "defaultValueFormula": None, "defaultedOnCreate": f.defaulted_on_create, "dependentPicklist": False,
        "deprecatedAndHidden": False, "digits": 9 if f.type == "int" else 0, "displayLocationInDecimal": False,
        "encrypted": False, "externalId": f.external_id,
        "extraTypeInfo": "plaintextarea" if f.type == "textarea" else "personname" if f.name_field and compound is None and obj.name in ("Contact", "User") else None,
        "filterable": filterable, "filteredLookupInfo": None, "formulaTreatNullNumberAsZero": False,
        "groupable": f.type not in ("datetime", "double", "currency", "textarea", "anyType"), "highScaleNumber": False,
        "htmlFormatted": False, "idLookup": f.id_lookup, "inlineHelpText": None, "label": f.label,
        "length": length, "mask": None, "maskType": None, "name": f.name, "nameField": f.name_field,
        "namePointing": f.polymorphic, "nillable": f.nillable,
        "permissionable": f.nillable and (f.createable or f.updateable) and not f.calculated,
        "picklistValues": [
            {"active": True, "defaultValue": value == f.default_value, "label": value, "validFor": None, "value": value}
            for value in f.picklist
        ],
        "polymorphicForeignKey": f.polymorphic, "precision": 18 if f.type in ("double", "currency") else 0,
        "queryByDistance": False, "referenceTargetField": None, "referenceTo": list(f.reference_to),
        "relationshipName": f.relationship_name, "relationshipOrder": None, "restrictedDelete": False,
        "restrictedPicklist": f.restricted, "scale": 2 if f.type == "currency" else 0, "searchPrefilterable": False,
        "soapType": _SOAP_TYPES.get(f.type, "xsd:string"), "sortable": sortable, "type": f.type,
        "unique": f.unique, "updateable": f.updateable, "writeRequiresMasterRead": False,
    }  # fmt: skip


def child_relationships(obj: SObject) -> list[dict[str, Any]]:
    out = []
    for child in sorted(OBJECTS.values(), key=lambda o: o.name):
        for f in child.fields:
            if obj.name in f.reference_to:
                out.append(
                    {
                        "cascadeDelete": child.name in ("Task", "Event") and f.name == "WhatId",
                        "childSObject": child.name, "deprecatedAndHidden": False, "field": f.name,
                        "junctionIdListNames": [], "junctionReferenceTo": [],
                        "relationshipName": _CHILD_NAMES.get((child.name, f.name)),
                        "restrictedDelete": False,
                    }
                )  # fmt: skip
    return out


def describe(obj: SObject, version: str) -> dict[str, Any]:
    base = global_entry(obj, version)
    extra = {
        "actionOverrides": [], "childRelationships": child_relationships(obj), "compactLayoutable": True,
        "defaultImplementation": None, "extendedBy": None, "extendsInterfaces": None,
        "fields": [field_entry(obj, f) for f in obj.visible_fields], "implementedBy": None, "implementsInterfaces": None,
        "listviewable": None, "lookupLayoutable": None, "namedLayoutInfos": [], "networkScopeFieldName": None,
        "recordTypeInfos": [
            {
                "active": True, "available": True, "defaultRecordTypeMapping": True, "developerName": "Master",
                "master": True, "name": "Master", "recordTypeId": "012000000000000AAA",
                "urls": {"layout": f"/services/data/{version}/sobjects/{obj.name}/describe/layouts/012000000000000AAA"},
            }
        ],
        "searchLayoutable": True, "sobjectDescribeOption": "FULL",
        "supportedScopes": [{"label": "All records", "name": "everything"}, {"label": "My records", "name": "mine"}],
    }  # fmt: skip
    return dict(sorted({**base, **extra}.items()))
