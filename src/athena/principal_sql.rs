//! trailhound's derived identity fields as SQL over Athena's `useridentity` struct: the same
//! table as `event::principal` (who acted, keyed on the issuer; the session), so that `user:`
//! and `session:` mean in Athena what they mean locally. One difference remains: locally, a
//! caller named only by raw ids (no ARN: console sign-in steps, some service calls) is resolved
//! through other events that name it; a single row cannot. An IAM user without an ARN is named
//! `arn:aws:iam::ACCOUNT:user/NAME` (right unless the user has a path); others fall back to the
//! principal id or user name, as locally when no other event names them.

const IDENTITY: &str = "useridentity";

fn field(path: &str) -> String {
    format!("nullif({IDENTITY}.{path}, '')")
}

/// `@principal`.
pub fn principal() -> String {
    let on_behalf = format!(
        "CASE WHEN {user} IS NOT NULL THEN 'idc:' || coalesce({store} || '/', '') || {user} END",
        user = field("onbehalfof.userid"),
        store = field("onbehalfof.identitystorearn"),
    );
    let federated = format!(
        "CASE WHEN {user} IS NOT NULL THEN coalesce({provider} || ':', '') || {user} END",
        user = field("username"),
        provider = field("identityprovider"),
    );
    format!(
        "coalesce(CASE {IDENTITY}.type \
         WHEN 'AssumedRole' THEN coalesce({issuer}, {arn}) \
         WHEN 'IAMUser' THEN coalesce({arn}, 'arn:aws:iam::' || {account} || ':user/' || {user_name}) \
         WHEN 'Root' THEN {arn} WHEN 'FederatedUser' THEN {arn} \
         WHEN 'IdentityCenterUser' THEN {on_behalf} WHEN 'Unknown' THEN {on_behalf} \
         WHEN 'SAMLUser' THEN {federated} WHEN 'WebIdentityUser' THEN {federated} \
         WHEN 'AWSService' THEN 'service:' || coalesce({invoked_by}, nullif(sourceipaddress, '')) \
         WHEN 'AWSAccount' THEN 'account:' || {account} END, \
         {principal_id}, {user_name}, 'service:' || {invoked_by}, 'unknown')",
        issuer = field("sessioncontext.sessionissuer.arn"),
        arn = field("arn"),
        invoked_by = field("invokedby"),
        account = field("accountid"),
        principal_id = field("principalid"),
        user_name = field("username"),
    )
}

/// `@principal_name`: the principal's last path segment (a user, role or service name).
pub fn principal_name() -> String {
    format!("regexp_extract({}, '[^/:]*$')", principal())
}

/// `@session`.
pub fn session() -> String {
    format!(
        "CASE {IDENTITY}.type \
         WHEN 'AssumedRole' THEN coalesce({source_identity}, nullif(regexp_extract({arn}, '[^/]*$'), '')) \
         WHEN 'IAMUser' THEN {key} WHEN 'Root' THEN {key} \
         WHEN 'FederatedUser' THEN {issuer} \
         WHEN 'IdentityCenterUser' THEN CASE WHEN {behalf} IS NOT NULL THEN {key} END \
         WHEN 'Unknown' THEN CASE WHEN {behalf} IS NOT NULL THEN {key} END \
         WHEN 'SAMLUser' THEN {principal_id} WHEN 'WebIdentityUser' THEN {principal_id} \
         WHEN 'AWSAccount' THEN {principal_id} END",
        source_identity = field("sessioncontext.sourceidentity"),
        arn = field("arn"),
        key = field("accesskeyid"),
        issuer = field("sessioncontext.sessionissuer.arn"),
        behalf = format!("{IDENTITY}.onbehalfof"),
        principal_id = field("principalid"),
    )
}
