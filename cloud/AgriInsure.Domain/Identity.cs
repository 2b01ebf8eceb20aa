namespace AgriInsure.Domain;

/// <summary>How an agent established that the person before them is the farmer named on the policy (real-name
/// verification, 实名认证). Wire names: <see cref="IdentityCheckMethodNames.Name"/>.</summary>
public enum IdentityCheckMethod
{
    /// <summary>The resident identity card's chip read by NFC on the handheld: the number, name and photo come from
    /// the card's signed data rather than the agent's eyes.</summary>
    IdCardChipRead,

    /// <summary>The resident identity card (or household register) inspected by the agent in person.</summary>
    DocumentInspectedInPerson,

    /// <summary>The farmer's face compared with the photo on the identity card (its chip or its print).</summary>
    FaceComparedWithIdPhoto,

    /// <summary>Name and number checked against the national citizen identity information service (公民身份信息核验).</summary>
    CitizenRegistryQuery,
}

public static class IdentityCheckMethodNames
{
    public static Result<IdentityCheckMethod> Parse(string? text, string field = "method") =>
        WireNames.Parse<IdentityCheckMethod>(text, field, "identity check method", Name);

    public static string Name(this IdentityCheckMethod method) => method switch
    {
        IdentityCheckMethod.IdCardChipRead => "id-card-chip-read",
        IdentityCheckMethod.DocumentInspectedInPerson => "document-inspected-in-person",
        IdentityCheckMethod.FaceComparedWithIdPhoto => "face-compared-with-id-photo",
        IdentityCheckMethod.CitizenRegistryQuery => "citizen-registry-query",
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, "not an identity check method"),
    };
}

/// <summary>What an identity check concluded. Wire names: <see cref="IdentityCheckOutcomeNames.Name"/>.</summary>
public enum IdentityCheckOutcome
{
    /// <summary>The person is the farmer: a certificate may be issued to them.</summary>
    Passed,

    /// <summary>The person could not be shown to be the farmer (documents disagree, face does not match).</summary>
    Failed,
}

public static class IdentityCheckOutcomeNames
{
    public static Result<IdentityCheckOutcome> Parse(string? text, string field = "outcome") =>
        WireNames.Parse<IdentityCheckOutcome>(text, field, "identity check outcome", Name);

    public static string Name(this IdentityCheckOutcome outcome) => outcome switch
    {
        IdentityCheckOutcome.Passed => "passed",
        IdentityCheckOutcome.Failed => "failed",
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, "not an identity check outcome"),
    };
}

/// <summary>A resident identity number as the registry keeps it: HMAC-SHA256 under one insurer's secret key, 64
/// lower-case hex digits, with the id of that key (keys are rotated; two hashes compare only under one key). The number
/// itself is never stored: about 10^9 numbers are valid, so a plain or salted-but-public hash would be reversed by
/// enumeration in minutes; a keyed one cannot be without the key.</summary>
public readonly record struct IdentityHash
{
    private IdentityHash(string keyId, string hex)
    {
        KeyId = keyId;
        Hex = hex;
    }

    /// <summary>The configured key's id (an <see cref="Id"/>): which key made <see cref="Hex"/>.</summary>
    public string KeyId { get; }

    /// <summary>64 lower-case hex digits.</summary>
    public string Hex { get; }

    /// <summary>Fails naming <c>{field}.keyId</c> (not an <see cref="Id"/>) or <c>{field}.hex</c> (not 64 lower-case hex
    /// digits).</summary>
    public static Result<IdentityHash> Create(string? keyId, string? hex, string field = "identityHash")
    {
        if (Id.Check(keyId, $"{field}.keyId").Error is { } badKey)
            return badKey;
        if (hex is not { Length: 64 } || !hex.All(char.IsAsciiHexDigitLower))
            return new ValidationError($"{field}.hex", "is not 64 lower-case hex digits (an HMAC-SHA256)");
        return Result<IdentityHash>.Ok(new IdentityHash(keyId!, hex));
    }

    public override string ToString() => $"{KeyId}:{Hex}";
}

/// <summary>One real-name identity check of a tenant's farmer: <see cref="Id"/> (unique in the store, so a retried
/// record is recognised), the farmer, the agent who checked, how (<see cref="Method"/>), when (UTC), what it concluded,
/// and the keyed hash of the resident identity number read (<see cref="IdentityHash"/>; never the number).</summary>
public sealed record IdentityCheck
{
    private IdentityCheck(string id, string farmerId, string agentId, IdentityCheckMethod method, DateTimeOffset checkedAt, IdentityCheckOutcome outcome, IdentityHash numberHash)
    {
        Id = id;
        FarmerId = farmerId;
        AgentId = agentId;
        Method = method;
        CheckedAt = checkedAt;
        Outcome = outcome;
        NumberHash = numberHash;
    }

    public string Id { get; }
    public string FarmerId { get; }
    public string AgentId { get; }
    public IdentityCheckMethod Method { get; }

    /// <summary>When the check was made, in UTC (offset zero).</summary>
    public DateTimeOffset CheckedAt { get; }

    public IdentityCheckOutcome Outcome { get; }

    /// <summary>The keyed hash of the resident identity number the check read.</summary>
    public IdentityHash NumberHash { get; }

    /// <summary>Fails naming <c>check.id</c>, <c>check.farmerId</c>, <c>check.agentId</c> (not an <see cref="Domain.Id"/>),
    /// <c>check.method</c>, <c>check.outcome</c> (not a defined value) or <c>check.checkedAt</c> (not UTC).</summary>
    public static Result<IdentityCheck> Create(
        string id, string farmerId, string agentId, IdentityCheckMethod method, DateTimeOffset checkedAt, IdentityCheckOutcome outcome, IdentityHash numberHash)
    {
        if (Domain.Id.FirstError((id, "check.id"), (farmerId, "check.farmerId"), (agentId, "check.agentId")) is { } badId)
            return badId;
        if (!Enum.IsDefined(method))
            return new ValidationError("check.method", $"{(int)method} is not an identity check method");
        if (!Enum.IsDefined(outcome))
            return new ValidationError("check.outcome", $"{(int)outcome} is not an identity check outcome");
        if (checkedAt.Offset != TimeSpan.Zero)
            return new ValidationError("check.checkedAt", $"has offset {checkedAt.Offset}; give the time in UTC");
        if (numberHash.Hex is null)
            return new ValidationError("check.numberHash", "is missing");
        return Result<IdentityCheck>.Ok(new IdentityCheck(id, farmerId, agentId, method, checkedAt, outcome, numberHash));
    }
}
