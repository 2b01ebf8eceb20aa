namespace AgriInsure.Signing;

/// <summary>
/// Bad input to the signing engine: <see cref="Field"/> names what is wrong (a parameter, a PDF object, a file in the CA
/// folder) and <see cref="Reason"/> says why in words. Nothing is written when it is thrown.
/// </summary>
public sealed class SigningException(string field, string reason, Exception? inner = null)
    : Exception($"{field}: {reason}", inner)
{
    public string Field { get; } = field;

    public string Reason { get; } = reason;
}
