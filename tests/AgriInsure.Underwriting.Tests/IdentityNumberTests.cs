using System.Globalization;
using AgriInsure.Underwriting.Identity;
using CsCheck;

namespace AgriInsure.Underwriting.Tests;

public sealed class IdentityNumberTests
{
    private static readonly DateOnly Today = new(2026, 3, 1);

    // The worked example of GB 11643-1999 itself.
    private const string Example = "11010519491231002X";

    private static string Reason(string text) => ResidentIdentityNumber.Parse(text, Today).Error!.Reason;

    [Fact]
    public void The_standards_example_passes_and_its_text_is_withheld()
    {
        var number = ResidentIdentityNumber.Parse(Example, Today);
        Assert.True(number.IsOk);
        Assert.Equal(Example, number.Value.Canonical);
        Assert.Equal(Example, ResidentIdentityNumber.Parse(" 11010519491231002x ", Today).Value.Canonical);
        Assert.DoesNotContain("0105", number.Value.ToString());
    }

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("1101051949123100", "has 16 characters; a resident identity number (GB 11643-1999) has 18")]
    [InlineData("1101051949123A002X", "character 14 is not a digit; the first 17 characters are digits")]
    [InlineData("11010519491231002Y", "the check character (the 18th) is neither a digit nor X")]
    [InlineData("990105194912310027", "the region code (characters 1–6) names no province (GB/T 2260)")]
    [InlineData("110105202302300021", "the birth date (characters 7–14) is not a calendar date")]
    [InlineData("110105189912310021", "the birth date (characters 7–14) is before 1900")]
    [InlineData("110105202703010021", "the birth date (characters 7–14) is in the future")]
    [InlineData("110105194912310021", "the check character (the 18th) does not match: ISO 7064 MOD 11-2 over the first 17 digits gives X; a character was mistyped")]
    public void A_bad_number_is_refused_naming_the_field_and_the_reason_without_repeating_it(string text, string reason)
    {
        var error = ResidentIdentityNumber.Parse(text, Today).Error!;
        Assert.Equal(("identityNumber", reason), (error.Field, error.Reason));
        if (text.Length > 0)
            Assert.DoesNotContain(text[..10], error.ToString());
    }

    private static readonly int[] Provinces = [11, 12, 13, 21, 31, 32, 33, 37, 41, 44, 51, 53, 62, 65, 81];

    /// <summary>Valid numbers: a province code and four digits, a birth date from 1900 to today, a sequence code, and the
    /// check character the standard gives.</summary>
    private static readonly Gen<string> Valid =
        from province in Gen.Int[0, Provinces.Length - 1].Select(i => Provinces[i])
        from area in Gen.Int[0, 9999]
        from day in Gen.Int[new DateOnly(1900, 1, 1).DayNumber, Today.DayNumber]
        from sequence in Gen.Int[0, 999]
        let body = string.Create(CultureInfo.InvariantCulture, $"{province:00}{area:0000}{DateOnly.FromDayNumber(day):yyyyMMdd}{sequence:000}")
        select body + ResidentIdentityNumber.CheckCharacter(body);

    [Fact]
    public void Every_number_with_its_check_character_passes() =>
        Valid.Sample(text => ResidentIdentityNumber.Parse(text, Today).IsOk);

    [Fact]
    public void Any_single_character_changed_fails() =>
        Gen.Select(Valid, Gen.Int[0, 17], Gen.Char["0123456789X"]).Where(t => t.Item1[t.Item2] != t.Item3)
            .Sample((text, at, c) => !ResidentIdentityNumber.Parse(string.Concat(text.AsSpan(0, at), c.ToString(), text.AsSpan(at + 1)), Today).IsOk);

    [Fact]
    public void Two_adjacent_digits_swapped_fail_unless_they_are_equal() =>
        Gen.Select(Valid, Gen.Int[0, 15]).Where(t => t.Item1[t.Item2] != t.Item1[t.Item2 + 1])
            .Sample((text, at) => !ResidentIdentityNumber.Parse(string.Concat(text.AsSpan(0, at), text[at + 1].ToString(), text[at].ToString(), text.AsSpan(at + 2)), Today).IsOk);

    [Fact]
    public void The_hash_is_the_same_for_one_number_under_one_key_and_unrelated_otherwise()
    {
        var key = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        var hasher = IdentityNumberHasher.Create("k1", key).Value;
        var number = ResidentIdentityNumber.Parse(Example, Today).Value;
        var again = ResidentIdentityNumber.Parse("11010519491231002x", Today).Value;
        var other = ResidentIdentityNumber.Parse("44052419800101001" + ResidentIdentityNumber.CheckCharacter("44052419800101001"), Today).Value;

        Assert.Equal(hasher.Hash(number), hasher.Hash(again));
        Assert.NotEqual(hasher.Hash(number).Hex, hasher.Hash(other).Hex);
        Assert.Equal("k1", hasher.Hash(number).KeyId);
        Assert.NotEqual(hasher.Hash(number).Hex, IdentityNumberHasher.Create("k2", key.Reverse().ToArray()).Value.Hash(number).Hex);
        // Not a plain hash of the number, which anyone could recompute.
        Assert.NotEqual(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(Example))), hasher.Hash(number).Hex);
    }

    [Fact]
    public void A_short_or_unreadable_key_is_refused_without_printing_it()
    {
        var shortKey = IdentityNumberHasher.FromBase64("k1", Convert.ToBase64String(new byte[16])).Error!;
        Assert.Equal(("identityKey.key", "is 16 bytes; an HMAC-SHA256 key has at least 32 (make one with `openssl rand -base64 32`)"), (shortKey.Field, shortKey.Reason));
        Assert.Equal("is not base64", IdentityNumberHasher.FromBase64("k1", "not base64!").Error!.Reason);
        Assert.Equal("is missing", IdentityNumberHasher.FromBase64("k1", " ").Error!.Reason);
        Assert.Equal("identityKey.keyId", IdentityNumberHasher.FromBase64("k 1", Convert.ToBase64String(new byte[32])).Error!.Field);
        Assert.True(IdentityNumberHasher.FromBase64("k1", Convert.ToBase64String(new byte[32])).IsOk);
    }
}
