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
    public readonly record struct Count(double Cells, double CellsAsSingle);

    public IReadOnlyList<RasterBand> Layers { get; } = [new RasterBand(raster, 1)];

    public IZonalAccumulator<Count> Begin(ZonalPlot plot, PlotCells cells) => new Accumulator(validOnly);

    private sealed class Accumulator(bool validOnly) : IZonalAccumulator<Count>
    {
        private double _cells, _single;

        public void Add(ZonalBlock block)
        {
            var values = block.Layers[0];
            var n = block.Rows * block.Columns;
            for (var i = 0; i < n; i++)
            {
                if (!validOnly || !double.IsNaN(values[i]))
                {
                    _cells += block.Fractions[i];
                    _single += (float)block.Fractions[i];
                }
            }
        }

        public Count End(double insideM2) => new(_cells, _single);
    }
}
