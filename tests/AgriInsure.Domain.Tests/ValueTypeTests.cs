using AgriInsure.Domain;
using CsCheck;

namespace AgriInsure.Domain.Tests;

public class MoneyTests
{
    [Theory]
    [InlineData("cny")]
    [InlineData("CN")]
    [InlineData("")]
    [InlineData("C1Y")]
    public void Refuses_a_bad_currency_naming_the_field(string currency)
    {
        var result = Money.Create(10m, currency, "premium");
        Assert.False(result.IsOk);
        Assert.Equal("premium.currency", result.Error.Field);
    }

    [Fact]
    public void Refuses_fractions_of_a_cent()
    {
        var result = Money.Create(1.005m, "EUR");
        Assert.Equal("money.amount", result.Error!.Field);
    }

    [Fact]
    public void Adding_different_currencies_is_a_bug()
    {
        var a = Money.Create(1m, "EUR").Value;
        var b = Money.Create(1m, "CNY").Value;
        Assert.Throws<InvalidOperationException>(() => a.Plus(b));
    }

    [Fact]
    public void Times_rounds_to_cents_half_to_even()
    {
        Assert.Equal(0.12m, Money.Create(0.25m, "EUR").Value.Times(0.5m).Amount);
        Assert.Equal(1080m, Money.Create(12_000m, "CNY").Value.Times(0.09m).Amount);
    }
}

public class AreaTests
{
    [Fact]
    public void One_mu_is_a_fifteenth_of_a_hectare()
    {
        var mu = Area.FromMu(15).Value;
        Assert.Equal(10_000, mu.SquareMetres, 9);
        Assert.Equal(1, mu.Hectares, 12);
    }

    [Fact]
    public void Units_round_trip() =>
        Gen.Double[0, 1e9].Sample(m =>
        {
            var a = Area.FromSquareMetres(m).Value;
            Assert.Equal(m, Area.FromMu(a.Mu).Value.SquareMetres, m * 1e-12 + 1e-9);
            Assert.Equal(m, Area.FromHectares(a.Hectares).Value.SquareMetres, m * 1e-12 + 1e-9);
        });

    [Theory]
    [InlineData(-1)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Refuses_negative_and_non_finite(double value) =>
        Assert.Equal("declaredArea", Area.FromSquareMetres(value, "declaredArea").Error!.Field);
}

public class EmbeddingTests
{
    [Fact]
    public void Normalises_to_unit_length() =>
        Gen.Float[-10, 10].Array[8, 256].Where(a => a.Any(v => Math.Abs(v) > 0.01f)).Sample(values =>
        {
            var e = Embedding.Create(values, "m").Value;
            Assert.Equal(1.0, e.Similarity(e), 4);
        });

    [Fact]
    public void Refuses_zero_nan_and_wrong_size()
    {
        Assert.Equal("embedding", Embedding.Create(new float[16], "m").Error!.Field);
        Assert.Contains("NaN", Embedding.Create(Enumerable.Repeat(float.NaN, 16).ToArray(), "m").Error!.Reason);
        Assert.Contains("dimensions", Embedding.Create(new float[3], "m").Error!.Reason);
        Assert.Equal("embedding.model", Embedding.Create(Enumerable.Repeat(1f, 16).ToArray(), "").Error!.Field);
    }

    [Fact]
    public void Vectors_of_different_models_are_not_compared()
    {
        var a = Embedding.Create(Enumerable.Repeat(1f, 16).ToArray(), "a").Value;
        var b = Embedding.Create(Enumerable.Repeat(1f, 16).ToArray(), "b").Value;
        Assert.Throws<InvalidOperationException>(() => a.Similarity(b));
    }
}
