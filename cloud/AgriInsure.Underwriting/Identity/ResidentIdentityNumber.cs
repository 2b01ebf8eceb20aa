using System.Globalization;
using AgriInsure.Domain;

namespace AgriInsure.Underwriting.Identity;

/// <summary>A resident identity number (公民身份号码) checked by GB 11643-1999: 18 characters, a 6-digit administrative
/// region code (its first two digits a GB/T 2260 province-level code), the birth date as yyyyMMdd (a real date, from 1900,
/// not after today), a 3-digit sequence code, and the check character by ISO 7064 MOD 11-2 (weights 7 9 10 5 8 4 2 1 6 3 7
/// 9 10 5 8 4 2; 10 is written X).
/// <para>The number is personal data kept only in memory: <see cref="ToString"/> withholds it, and no error, log line,
/// record or document of this project carries it; the registry keeps its keyed hash
/// (<see cref="IdentityNumberHasher"/>).</para></summary>
public sealed class ResidentIdentityNumber
{
    /// <summary>The ISO 7064 MOD 11-2 weights of the first 17 characters (2^(18−i) mod 11).</summary>
    internal static readonly int[] Weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

    /// <summary>GB/T 2260 province-level codes (and 71 Taiwan, 81 Hong Kong, 82 Macao, 83 residence permits of Taiwan
    /// residents), the first two digits of every region code.</summary>
    private static readonly HashSet<int> Provinces =
    [
        11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83,
    ];

    private ResidentIdentityNumber(string canonical) => Canonical = canonical;

    /// <summary>The 18 characters, the check character upper case: what <see cref="IdentityNumberHasher"/> hashes.</summary>
    internal string Canonical { get; }

    /// <summary>Checks <paramref name="text"/> (surrounding spaces ignored, a lower-case x taken as X) against GB 11643-1999 on
    /// the day <paramref name="today"/>. Errors name <paramref name="field"/> and the reason without repeating the number:
    /// empty; wrong length; a non-digit among the first 17; a bad check character's place; an unknown province code; a
    /// birth date that is no calendar date, before 1900 or after today; a check character that does not match (with the
    /// one MOD 11-2 gives).</summary>
    public static Result<ResidentIdentityNumber> Parse(string? text, DateOnly today, string field = "identityNumber")
    {
        var value = text?.Trim().ToUpperInvariant();
        if (string.IsNullOrEmpty(value))
            return Result<ResidentIdentityNumber>.Fail(field, "is empty");
        if (value.Length != 18)
            return Result<ResidentIdentityNumber>.Fail(field, $"has {value.Length} characters; a resident identity number (GB 11643-1999) has 18");
        for (var i = 0; i < 17; i++)
        {
            if (!char.IsAsciiDigit(value[i]))
                return Result<ResidentIdentityNumber>.Fail(field, $"character {i + 1} is not a digit; the first 17 characters are digits");
        }
        if (!char.IsAsciiDigit(value[17]) && value[17] != 'X')
            return Result<ResidentIdentityNumber>.Fail(field, "the check character (the 18th) is neither a digit nor X");
        if (!Provinces.Contains(int.Parse(value.AsSpan(0, 2), CultureInfo.InvariantCulture)))
            return Result<ResidentIdentityNumber>.Fail(field, "the region code (characters 1–6) names no province (GB/T 2260)");
        if (!DateOnly.TryParseExact(value.AsSpan(6, 8), "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var born))
            return Result<ResidentIdentityNumber>.Fail(field, "the birth date (characters 7–14) is not a calendar date");
        if (born.Year < 1900)
            return Result<ResidentIdentityNumber>.Fail(field, "the birth date (characters 7–14) is before 1900");
        if (born > today)
            return Result<ResidentIdentityNumber>.Fail(field, "the birth date (characters 7–14) is in the future");
        var expected = CheckCharacter(value.AsSpan(0, 17));
        if (value[17] != expected)
            return Result<ResidentIdentityNumber>.Fail(field, $"the check character (the 18th) does not match: ISO 7064 MOD 11-2 over the first 17 digits gives {expected}; a character was mistyped");
        return Result<ResidentIdentityNumber>.Ok(new ResidentIdentityNumber(value));
    }

    /// <summary>The ISO 7064 MOD 11-2 check character of 17 digits: (12 − Σ dᵢ·wᵢ mod 11) mod 11, 10 written X.</summary>
    internal static char CheckCharacter(ReadOnlySpan<char> digits17)
    {
        var sum = 0;
        for (var i = 0; i < 17; i++)
            sum += (digits17[i] - '0') * Weights[i];
        var check = (12 - sum % 11) % 11;
        return check == 10 ? 'X' : (char)('0' + check);
    }

    /// <summary>Withholds the number, so that formatting it into a log line or a message shows nothing of it.</summary>
    public override string ToString() => "resident identity number (withheld)";
}
