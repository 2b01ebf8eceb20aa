using AgriInsure.Imagery.Plots;
using CsCheck;
using NetTopologySuite.Geometries;
using NetTopologySuite.Operation.Valid;

namespace AgriInsure.Imagery.Tests.Plots;

public class SimpleRingTests
{
    private static readonly GeometryFactory Factory = new();

    private static Polygon Ring(IEnumerable<(double X, double Y)> corners)
    {
        var points = corners.Select(c => new Coordinate(c.X, c.Y)).ToList();
        points.Add(points[0].Copy());
        return Factory.CreatePolygon(points.ToArray());
    }

    [Fact]
    public void It_never_proves_valid_a_ring_that_IsValidOp_refuses_and_proves_most_star_fields()
    {
        // Corners on a coarse lattice, so that crossings, touches, collinear overlaps, spikes and repeated
        // corners all come up often.
        Gen.Select(Gen.Int[0, 6], Gen.Int[0, 6]).Select((x, y) => ((double)x, (double)y)).Array[3, 12].Sample(corners =>
        {
            var polygon = Ring(corners);
            if (SimpleRing.ProvesValid(polygon))
                Assert.True(new IsValidOp(polygon).IsValid, string.Join(" ", corners));
        }, iter: 20_000);
        // Star-shaped fields as users draw them are proven without IsValidOp.
        var proven = 0;
        var random = new Random(7);
        for (var k = 0; k < 1000; k++)
        {
            var n = random.Next(5, 13);
            var radii = Enumerable.Range(0, n).Select(_ => 0.5 + random.NextDouble()).ToArray();
            var star = Enumerable.Range(0, n).Select(i => (Math.Cos(2 * Math.PI * i / n) * radii[i], Math.Sin(2 * Math.PI * i / n) * radii[i]));
            var polygon = Ring(star);
            Assert.True(new IsValidOp(polygon).IsValid, $"{new IsValidOp(polygon).ValidationError} {polygon}");
            if (SimpleRing.ProvesValid(polygon))
                proven++;
        }
        Assert.Equal(1000, proven);
    }
}
