using AgriInsure.Imagery.Coverage;
using AgriInsure.Imagery.Rasters;
using AgriInsure.Imagery.Zonal;

namespace AgriInsure.Bench;

/// <summary>Each plot's covered cell count: the sum of the exact coverage fractions of its cells, on the
/// zonal processor that measures acreage. Counted in cells rather than from ground areas, so that it can be
/// held against exactextract's <c>count</c> and turned into megapixels without a planar cell area.</summary>
/// <param name="validOnly">Skip cells that GDAL's mask says are not valid (nodata, read as NaN), as
/// exactextract's <c>count</c> does; false counts every cell the processor hands over.</param>
internal sealed class CoveredCells(GdalRaster raster, bool validOnly) : IZonalOperation<CoveredCells.Count>
{
    /// <param name="Cells">Σ of the fractions, in double as the processor computes them.</param>
    /// <param name="CellsAsSingle">Σ of the fractions each rounded to float32 first, as exactextract stores
    /// its coverage fractions (<c>Raster&lt;float&gt;</c>): tells its rounding from a real difference.</param>
    /// <param name="CellsAsExactextract">Σ of the fractions as exactextract 0.3 arrives at them
    /// (raster_cell_intersection.cpp): each ring's own fractions rounded to float32, then added into a
    /// float32 matrix, shell plus and holes minus, ring after ring; cells whose sum is not above 0 skipped
    /// (raster_stats.h, <c>pct_cov &gt; min_coverage_fraction</c>). Coverage here is ours, ring by ring: only
    /// the arithmetic is exactextract's.</param>
    /// <param name="Low">The least <paramref name="CellsAsExactextract"/> can be when each ring's fraction of
    /// each cell it cuts moves by <see cref="Slack"/> first; <paramref name="High"/> the most. A fraction
    /// that lies that close to a float32 rounding boundary may round either way, one float32 step (up to
    /// 6e-8 of a cell) from the other program's.</param>
    public readonly record struct Count(double Cells, double CellsAsSingle, double CellsAsExactextract, double Low, double High);

    /// <summary>How far two exact programs' fractions of one cell may differ in double: coordinates near
    /// 5e6 m (UTM northings) are held to 9.3e-10 m, 1e-10 of a 10 m cell, and each program cuts edges at
    /// cell lines by its own formula. On the 10,000-field case every plot's count falls within the range at
    /// 1e-10; at 1e-11, 184 do not.</summary>
    public const double Slack = 1e-10;

    public IReadOnlyList<RasterBand> Layers { get; } = [new RasterBand(raster, 1)];

    public IZonalAccumulator<Count> Begin(ZonalPlot plot, PlotCells cells) => new Accumulator(raster.Grid, cells.Parts, validOnly);

    private sealed class Accumulator(Grid grid, IReadOnlyList<PolygonRings> parts, bool validOnly) : IZonalAccumulator<Count>
    {
        private double _cells, _single, _emulated, _low, _high;

        public void Add(ZonalBlock block)
        {
            var values = block.Layers[0];
            var n = block.Rows * block.Columns;
            var range = new CellRange(block.FirstRow, block.FirstColumn, block.Rows, block.Columns);
            var (emulated, low, high) = (Emulated(range, 0), Emulated(range, -Slack), Emulated(range, Slack));
            for (var i = 0; i < n; i++)
            {
                if (!validOnly || !double.IsNaN(values[i]))
                {
                    _cells += block.Fractions[i];
                    _single += (float)block.Fractions[i];
                    _emulated += Math.Max(0, emulated[i]);
                    _low += Math.Max(0, low[i]);
                    _high += Math.Max(0, high[i]);
                }
            }
        }

        /// <summary>exactextract's float32 sum of each cell's ring fractions; with <paramref name="shift"/>,
        /// each cut cell's shell fraction moved by it and its hole fractions against it.</summary>
        private float[] Emulated(CellRange range, double shift)
        {
            var sum = new float[range.Cells];
            foreach (var part in parts)
            {
                for (var k = 0; k < part.Rings.Count; k++)
                {
                    // A ring alone is a shell to ExactCoverage: its own covered share, whichever way it winds.
                    var own = ExactCoverage.Compute(grid, [new PolygonRings([part.Rings[k]])], range).Fractions;
                    var sign = k == 0 ? 1 : -1;
                    for (var i = 0; i < sum.Length; i++)
                    {
                        // Cells a ring does not cut are 0 or 1 exactly in both programs (flood fill).
                        var f = own[i] is > 0 and < 1 ? own[i] + sign * shift : own[i];
                        sum[i] += sign * (float)f;
                    }
                }
            }
            return sum;
        }

        public Count End(double insideM2) => new(_cells, _single, _emulated, _low, _high);
    }
}
