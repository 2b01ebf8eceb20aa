using System.Text.RegularExpressions;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;

namespace AgriInsure.Signing.Pki;

/// <summary>
/// The subject of a certificate issued to a person (a farmer whose identity an agent has checked): the name and the
/// region (province, prefecture, county as the person gives them). Never an identity number: the certificate travels
/// inside every contract it signs, and a resident identity number must not (GB 11643 numbers are kept only as salted
/// hashes, outside the signing engine).
/// <paramref name="PartyId"/>, when given, is the opaque id of the party the certificate is issued to (the insurer and its
/// farmer id, <c>tenant/farmer</c>), written as the subject's userId (UID, RFC 4519): what binds a signature to a party of
/// a policy, where two farmers may share a name and a region.
/// </summary>
public sealed record PersonSubject(string Name, string Region, string? PartyId = null);

/// <summary>The subject of a certificate issued to an organisation (an insurer); <paramref name="Unit"/> is optional (a branch),
/// <paramref name="PartyId"/> as for <see cref="PersonSubject"/> (an insurer's: its tenant id).</summary>
public sealed record OrganisationSubject(string Name, string? Unit = null, string? Region = null, string? PartyId = null);

internal static partial class SubjectNames
{
    // X.520 upper bounds (RFC 5280 appendix A): ub-common-name and ub-organization-name 64, ub-state-name 128.
    private const int MaxName = 64;
    private const int MaxRegion = 128;

    public static X509Name Person(PersonSubject subject, string country)
    {
        var name = Checked(subject.Name, "subject.name", MaxName);
        var region = Checked(subject.Region, "subject.region", MaxRegion);
        List<(DerObjectIdentifier, string)> parts = [(X509Name.C, country), (X509Name.ST, region), (X509Name.CN, name)];
        if (subject.PartyId is not null)
            parts.Add((X509Name.UID, Checked(subject.PartyId, "subject.partyId", MaxName)));
        return Build(parts);
    }

    public static X509Name Organisation(OrganisationSubject subject, string country)
    {
        var name = Checked(subject.Name, "subject.name", MaxName);
        var parts = new List<(DerObjectIdentifier, string)> { (X509Name.C, country) };
        if (subject.Region is not null)
            parts.Add((X509Name.ST, Checked(subject.Region, "subject.region", MaxRegion)));
        parts.Add((X509Name.O, name));
        if (subject.Unit is not null)
            parts.Add((X509Name.OU, Checked(subject.Unit, "subject.unit", MaxName)));
        parts.Add((X509Name.CN, name));
        if (subject.PartyId is not null)
            parts.Add((X509Name.UID, Checked(subject.PartyId, "subject.partyId", MaxName)));
        return Build(parts);
    }

    public static X509Name Service(string commonName, string organisation, string country) =>
        Build([(X509Name.C, country), (X509Name.O, Checked(organisation, "organisation", MaxName)), (X509Name.CN, Checked(commonName, "commonName", MaxName))]);

    public static string Checked(string? value, string field, int max)
    {
        if (string.IsNullOrWhiteSpace(value))
            throw new SigningException(field, "is empty");
        value = value.Trim();
        if (value.Length > max)
            throw new SigningException(field, $"is {value.Length} characters long; X.520 allows at most {max}");
        if (value.Any(char.IsControl))
            throw new SigningException(field, "contains a control character");
        // A subject travels in every signed contract: refuse what looks like a resident identity number (GB 11643:
        // 17 digits and a check character) or any long run of digits, rather than publish it.
        if (IdentityNumberLike().IsMatch(value))
            throw new SigningException(field, "contains what looks like an identity number; a certificate subject must never carry one");
        return value;
    }

    private static X509Name Build(IReadOnlyList<(DerObjectIdentifier Oid, string Value)> parts) =>
        new(parts.Select(p => p.Oid).ToList(), parts.Select(p => p.Value).ToList());

    [GeneratedRegex(@"\d{15}|\d{17}[\dXx]")]
    private static partial Regex IdentityNumberLike();
}
