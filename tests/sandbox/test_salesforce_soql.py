"""SOQL through the unmodified simple-salesforce SDK: a table of queries over the example org with the
records they must return, the errors Salesforce gives (reference: fixtures-restforce
query_error_response.json, FIDELITY.md "Error bodies"), aggregates (query_aggregate_success_response)
and relative dates against the sandbox clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest

from tests.sandbox import salesforce_support
from tests.sandbox.salesforce_support import Sf, content

salesforce_session, sf = salesforce_support.salesforce_session, salesforce_support.sf  # the fixtures


def _literal(days_ago: float, offset: str = "Z") -> str:
    """A datetime literal ``days_ago`` before now, written with the given UTC offset."""
    moment = datetime.now(UTC) - timedelta(days=days_ago)
    if offset == "Z":
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    sign, hours = (1 if offset[0] == "+" else -1), int(offset[1:3])
    local = moment + timedelta(hours=sign * hours)
    return local.strftime("%Y-%m-%dT%H:%M:%S") + offset


# (query, expected example labels, order matters)
QUERIES = [
    ("SELECT Id FROM Account ORDER BY Name", ["acme", "globex", "initech", "umbrella"], True),
    ("SELECT Id FROM Account ORDER BY Name DESC", ["umbrella", "initech", "globex", "acme"], True),
    ("select id from account where type = 'partner' order by name", ["acme", "globex", "initech"], True),
    ("SELECT Id FROM Contact WHERE LastName = 'O\\'Brien'", ["obrien"], True),
    ("SELECT Id FROM Contact WHERE Title LIKE '%chief%'", ["jane"], True),
    ("SELECT Id FROM Contact WHERE Title LIKE 'Directeur G_n_ral'", ["pierre"], True),
    ("SELECT Id FROM Contact WHERE Title = null ORDER BY LastName", ["sam", "john"], True),
    ("SELECT Id FROM Contact WHERE Title != null ORDER BY LastName", ["pierre", "obrien", "jane"], True),
    ("SELECT Id FROM Contact WHERE AccountId IN ('{acme}', '{globex}') ORDER BY LastName", ["obrien", "jane", "john"], True),
    ("SELECT Id FROM Contact WHERE Id = '{jane15}'", ["jane"], True),
    ("SELECT Id FROM Account WHERE Alliance_Tier__c IN ('Strategic', 'Key') ORDER BY Name", ["acme", "globex"], True),
    ("SELECT Id FROM Account WHERE Alliance_Tier__c NOT IN ('Strategic') ORDER BY Name", ["globex", "initech", "umbrella"], True),
    (
        "SELECT Id FROM Account WHERE Type = 'Partner' AND (Executive_Sponsor__c = null "
        "OR Executive_Sponsor__r.IsActive = false) ORDER BY Name",
        ["globex", "initech"],
        True,
    ),
    ("SELECT Id FROM Account WHERE NOT Type = 'Partner'", ["umbrella"], True),
    ("SELECT Id FROM Account WHERE Type <> 'Partner'", ["umbrella"], True),
    (
        "SELECT Id FROM Contact WHERE Account.Owner.Email = 'mary.jackson@northwind.example' ORDER BY LastName",
        ["pierre", "obrien", "jane", "john"],
        True,
    ),
    ("SELECT Id FROM Account WHERE Website LIKE 'https://%.example'", ["acme", "globex"], False),
    ("SELECT Id FROM Task WHERE ActivityDate = LAST_N_DAYS:30", ["call-jane"], True),
    ("SELECT Id FROM Task WHERE ActivityDate = NEXT_N_DAYS:7", ["email-obrien"], True),
    ("SELECT Id FROM Task WHERE ActivityDate = N_DAYS_AGO:10", ["call-jane"], True),
    ("SELECT Id FROM Event WHERE StartDateTime = LAST_N_DAYS:7", ["meeting"], True),
    ("SELECT Id FROM Task WHERE ActivityDate < TODAY ORDER BY ActivityDate", ["old-open", "call-jane"], True),
    ("SELECT Id FROM Task WHERE IsClosed = true", ["call-jane"], True),
    ("SELECT Id FROM Task WHERE Who.Name = 'Jane Roe'", ["call-jane"], True),
    ("SELECT Id FROM Task WHERE What.Type = 'Account'", ["call-jane"], True),
    ("SELECT Id FROM Task WHERE Sponsor_Sync_Key__c = 'globex:update:2026-Q3'", ["email-obrien"], True),
    # not a case-sensitive field: = compares without case, as SOQL does
    ("SELECT Id FROM Task WHERE Sponsor_Sync_Key__c = 'GLOBEX:UPDATE:2026-Q3'", ["email-obrien"], True),
    ("SELECT Id FROM User WHERE IsActive = false", ["vp"], True),
    ("SELECT Id FROM Contact WHERE CreatedDate > {days_50}", ["sam"], True),
    ("SELECT Id FROM Contact WHERE LastModifiedDate >= {days_9_plus2} ORDER BY LastModifiedDate, Id", ["pierre", "john", "sam"], True),
    ("SELECT Id FROM Contact ORDER BY Account.Name NULLS LAST, LastName", ["jane", "john", "obrien", "pierre", "sam"], True),
    ("SELECT Id FROM Contact ORDER BY Account.Name NULLS FIRST, LastName", ["sam", "jane", "john", "obrien", "pierre"], True),
    ("SELECT Id FROM Contact ORDER BY LastName LIMIT 2 OFFSET 1", ["obrien", "sam"], True),
    ("SELECT Id FROM Account ORDER BY SystemModstamp ASC, Id ASC", ["acme", "globex", "initech", "umbrella"], True),
    ("SELECT Id FROM Contact WHERE (FirstName = 'Jane' OR FirstName = 'John') AND Email LIKE '%acme%'", ["jane", "john"], False),
]  # fmt: skip


@pytest.mark.parametrize(("soql", "expected", "ordered"), QUERIES, ids=[q[0][:70] for q in QUERIES])
def test_query_returns_the_expected_records(sf: Sf, soql: str, expected: list[str], ordered: bool) -> None:
    values = {"jane15": sf.id("jane")[:15], "days_50": _literal(50), "days_9_plus2": _literal(9, "+02:00")}
    values.update({label: sf.id(label) for label in ("acme", "globex")})
    found = sf.labels(soql.format(**values))
    assert found == expected if ordered else sorted(found) == sorted(expected)


@pytest.mark.parametrize(
    ("soql", "expected"),
    [
        ("SELECT Id FROM Task WHERE IsDeleted = true", ["deleted-task"]),
        ("SELECT Id FROM Task WHERE IsArchived = true", ["old-closed"]),
        ("SELECT Id FROM Account ORDER BY SystemModstamp ASC, Id ASC", ["acme", "globex", "initech", "umbrella", "hooli"]),
        ("SELECT Id FROM Event WHERE IsArchived = true", ["old-meeting"]),
    ],
    ids=["deleted-task", "archived-task", "deleted-account-last", "archived-event"],
)  # fmt: skip
def test_query_all_also_returns_deleted_and_archived_records(sf: Sf, soql: str, expected: list[str]) -> None:
    assert sf.labels(soql, include_deleted=True) == expected
    assert not set(sf.labels(soql)) & {"deleted-task", "old-closed", "hooli", "old-meeting"}


MALFORMED = "\nSELECT Id FRM Contact\n          ^\nERROR at Row:1:Column:11\nunexpected token: 'FRM'"
CUSTOM_FIELD_HINT = (
    "If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. "
    "Please reference your WSDL or the describe call for the appropriate names."
)
ERRORS = [
    ("SELECT Id FRM Contact", "MALFORMED_QUERY", MALFORMED),
    (
        "SELECT Id, Foo FROM Contact",
        "INVALID_FIELD",
        f"\nSELECT Id, Foo FROM Contact\n           ^\nERROR at Row:1:Column:12\n"
        f"No such column 'Foo' on entity 'Contact'. {CUSTOM_FIELD_HINT}",
    ),
    (
        "SELECT Id FROM Foo",
        "INVALID_TYPE",
        "\nSELECT Id FROM Foo\n               ^\nERROR at Row:1:Column:16\nsObject type 'Foo' is not supported. "
        "If you are attempting to use a custom object, be sure to append the '__c' after the entity name. "
        "Please reference your WSDL or the describe call for the appropriate names.",
    ),
    ("SELECT Id FROM Contact WHERE Bogus__r.Name = 'x'", "INVALID_FIELD", "Didn't understand relationship 'Bogus__r' in field path."),
    ("SELECT Id FROM Task WHERE Who.AccountId = null", "INVALID_FIELD", "No such column 'AccountId' on entity 'Name'."),
    (
        "SELECT Id FROM Contact WHERE CreatedDate > '2024-01-01'",
        "INVALID_FIELD",
        "value of filter criterion for field 'CreatedDate' must be of type dateTime and should not be enclosed in quotes",
    ),
    (
        "SELECT Id FROM Contact WHERE CreatedDate > 2024-01-01",
        "INVALID_FIELD",
        "value of filter criterion for field 'CreatedDate' must be of type dateTime",
    ),
    (
        "SELECT Id FROM Contact WHERE LastName = 1",
        "INVALID_FIELD",
        "value of filter criterion for field 'LastName' must be of type string and should be enclosed in quotes",
    ),
    (
        "SELECT Id FROM Contact WHERE LastName = 'a' AND FirstName = 'b' OR Email = 'c'",
        "MALFORMED_QUERY",
        "ERROR at Row:1:Column:65\nunexpected token: 'OR'",
    ),
    ("SELECT Id FROM Contact WHERE Id = 'abc'", "INVALID_QUERY_FILTER_OPERATOR", "invalid ID field: abc"),
    ("SELECT Id FROM Contact LIMIT 5 OFFSET 2001", "NUMBER_OUTSIDE_VALID_RANGE", "Maximum SOQL offset allowed is 2000"),
    ("SELECT Id FROM Contact WHERE LastName = 'open", "MALFORMED_QUERY", "unexpected token: ''open'"),
    ("SELECT Id FROM Contact WHERE LastName = 'bad\\q'", "MALFORMED_QUERY", "Illegal character sequence '\\q' in string literal."),
    ("SELECT Id, id FROM Contact", "MALFORMED_QUERY", "duplicate field selected: id"),
    ("SELECT Name, COUNT(Id) FROM Contact", "MALFORMED_QUERY", "Field must be grouped or aggregated: Name"),
    ("SELECT Id FROM Contact WHERE", "MALFORMED_QUERY", "unexpected token: '<EOF>'"),
    ("SELECT Id FROM Task ORDER BY Description", "INVALID_FIELD", "field 'Description' can not be sorted in a query call"),
]  # fmt: skip


@pytest.mark.parametrize(("soql", "code", "message"), ERRORS, ids=[e[0][:60] for e in ERRORS])
def test_bad_queries_answer_400_with_salesforces_error(sf: Sf, soql: str, code: str, message: str) -> None:
    with pytest.raises(SalesforceMalformedRequest) as raised:
        sf.sdk.query(soql)
    assert raised.value.status == 400
    (error,) = content(raised.value)
    assert error["errorCode"] == code
    assert message in error["message"]


def test_a_syntax_error_points_at_the_token_like_salesforce(sf: Sf) -> None:
    response = sf.get("query/", params={"q": "SELECT Id FRM Contact"})
    assert response.status_code == 400
    assert response.json() == [{"message": MALFORMED, "errorCode": "MALFORMED_QUERY"}]


def test_records_carry_attributes_and_nested_parents_in_canonical_case(sf: Sf) -> None:
    # reference: recorded-nango query-records.test.json; restforce query_success_response.json (parents)
    result = sf.sdk.query(
        "select id, NAME, owner.EMAIL, executive_sponsor__r.name from ACCOUNT where name in ('acme corporation', 'GLOBEX') order by name"
    )
    acme, globex = result["records"]
    assert result["totalSize"] == 2
    assert result["done"] is True
    assert "nextRecordsUrl" not in result
    assert acme == {
        "attributes": {"type": "Account", "url": f"/services/data/v59.0/sobjects/Account/{sf.id('acme')}"},
        "Id": sf.id("acme"),
        "Name": "Acme Corporation",
        "Owner": {
            "attributes": {"type": "User", "url": f"/services/data/v59.0/sobjects/User/{sf.id('am')}"},
            "Email": "mary.jackson@northwind.example",
        },
        "Executive_Sponsor__r": {
            "attributes": {"type": "User", "url": f"/services/data/v59.0/sobjects/User/{sf.id('ceo')}"},
            "Name": "Ada Lovelace",
        },
    }
    assert globex["Executive_Sponsor__r"] is None


def test_polymorphic_who_and_what_read_the_name_object(sf: Sf) -> None:
    (task,) = sf.sdk.query(
        "SELECT Who.Name, Who.Email, What.Name, Owner.Email, CreatedBy.Name FROM Task WHERE IsClosed = true"
    )["records"]
    assert task["Who"] == {
        "attributes": {"type": "Name", "url": f"/services/data/v59.0/sobjects/Contact/{sf.id('jane')}"},
        "Name": "Jane Roe",
        "Email": None,  # the Name object has e-mails of users only
    }
    assert task["What"]["Name"] == "Acme Corporation"
    assert task["What"]["attributes"]["url"].endswith(f"/sobjects/Account/{sf.id('acme')}")
    assert task["Owner"]["Email"] == "ada.lovelace@northwind.example"
    assert task["CreatedBy"]["Name"] == "Integration User"


def test_values_are_printed_as_salesforce_does(sf: Sf) -> None:
    (task,) = sf.sdk.query(
        "SELECT ActivityDate, CreatedDate, IsClosed, Status, AccountId FROM Task WHERE Subject = 'Call with Jane Roe'"
    )["records"]
    assert task["ActivityDate"] == (datetime.now(UTC) - timedelta(days=10)).date().isoformat()
    assert task["CreatedDate"].endswith(".000+0000")
    assert len(task["CreatedDate"]) == 28
    assert (task["IsClosed"], task["Status"], task["AccountId"]) == (True, "Completed", sf.id("acme"))


def test_count_returns_the_total_and_no_records(sf: Sf) -> None:
    # reference: restforce query_empty_response.json (the shape), Salesforce's COUNT() semantics
    assert sf.sdk.query("SELECT COUNT() FROM Contact") == {"totalSize": 5, "done": True, "records": []}
    assert sf.sdk.query("SELECT COUNT() FROM Contact WHERE AccountId = null")["totalSize"] == 1


def test_aggregates_return_aggregate_results(sf: Sf) -> None:
    # reference: restforce query_aggregate_success_response.json
    assert sf.sdk.query("SELECT COUNT(Id) FROM Contact")["records"] == [
        {"attributes": {"type": "AggregateResult"}, "expr0": 5}
    ]
    grouped = sf.sdk.query("SELECT AccountId, COUNT(Id) n, MAX(LastName) FROM Contact GROUP BY AccountId")
    by_account = {r["AccountId"]: (r["n"], r["expr0"]) for r in grouped["records"]}
    assert by_account == {
        sf.id("acme"): (2, "Smith"),
        sf.id("globex"): (1, "O'Brien"),
        sf.id("initech"): (1, "Dupont"),
        None: (1, "Orphan"),
    }


def test_relative_dates_follow_the_sandbox_clock(sf: Sf) -> None:
    assert sf.labels("SELECT Id FROM Task WHERE ActivityDate = YESTERDAY") == []
    sf.admin.advance_clock(days=6)
    assert sf.labels("SELECT Id FROM Task WHERE ActivityDate = YESTERDAY") == ["email-obrien"]
    assert sf.labels("SELECT Id FROM Task WHERE ActivityDate = N_DAYS_AGO:16") == ["call-jane"]


def test_activities_archive_a_year_after_they_happen(sf: Sf) -> None:
    assert sf.labels("SELECT Id FROM Event") == ["meeting"]
    sf.admin.advance_clock(days=363)
    assert sf.labels("SELECT Id FROM Event") == []
    assert sf.labels(
        "SELECT Id FROM Event WHERE IsArchived = true ORDER BY StartDateTime", include_deleted=True
    ) == [
        "old-meeting",
        "meeting",
    ]
    # an open task never archives
    assert "old-open" in sf.labels("SELECT Id FROM Task")
