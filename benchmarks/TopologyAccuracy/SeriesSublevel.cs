using Pipelines.Numerics.Graphs;
using Pipelines.Numerics.Topology;

namespace Pipelines.Benchmarks.Topology;

/// <summary>
/// The second filtration of the UCR recipe: the series itself as a lower-star bifiltration of its path graph
/// 0 − 1 − … − (L − 1), f1(t) = x(t) (sublevel sets of the values) and f2(t) = t / L (time), so the Hilbert function
/// at (a, b) counts the components of {t ≤ bL : x(t) ≤ a}; once for x and once for −x (superlevel sets). Grids are
/// fitted on the training series; the measures are convolved on the unit square like the transformer's.
/// </summary>
internal sealed class SeriesSublevel
{
    private readonly FiltrationGrid _values;
    private readonly FiltrationGrid _time;
    private readonly string _invariant;
    private readonly int _resolution;
    private readonly float _bandwidth;

    private SeriesSublevel(FiltrationGrid values, FiltrationGrid time, string invariant, int resolution, float bandwidth)
    {
        _values = values;
        _time = time;
        _invariant = invariant;
        _resolution = resolution;
        _bandwidth = bandwidth;
    }

    public static SeriesSublevel Fit(IReadOnlyList<float[]> train, string invariant, int gridResolution, int outputResolution, float bandwidth)
    {
        float[] all = [.. train.SelectMany(s => s.Concat(s.Select(v => -v)))];
        var values = FiltrationGrid.Fit(all, GridStrategy.Regular, gridResolution, 0.01f);
        var time = FiltrationGrid.Fit([0f, 1f], GridStrategy.Regular, gridResolution);
        return new SeriesSublevel(values, time, invariant, outputResolution, bandwidth);
    }

    public int Length => 2 * (_invariant == "rank" ? SignedBarcodeFeatures.ConvolutionLength(_resolution) : _resolution * _resolution);

    public float[] Featurize(float[] series)
    {
        var output = new float[Length];
        int per = Length / 2;
        int length = series.Length;
        GraphStructure path = GraphStructure.Canonical(length, Enumerable.Range(0, length - 1).Select(t => (t, t + 1)));
        float[] time = [.. Enumerable.Range(0, length).Select(t => (float)t / Math.Max(1, length - 1))];
        MeasureBox box = MeasureBox.Of(_values, _time);
        for (int sign = 0; sign < 2; sign++)
        {
            float[] f = [.. series.Select(v => sign == 0 ? v : -v)];
            var b = new GraphBifiltration(path, f, time);
            Span<float> slot = output.AsSpan(sign * per, per);
            switch (_invariant)
            {
                case "rank":
                    RankInvariant rank = RankInvariant.Compute(b, _values, _time)[0];
                    (float[] points, float[] weights) = SignedBarcode.FromRankInvariant(rank).ToUnitPoints(_values, _time, box);
                    SignedBarcodeFeatures.Convolution(points, weights, _resolution, _bandwidth, slot);
                    break;
                default:
                    // H0 of a path graph: the Hilbert and Euler measures coincide (H1 = 0); MMA rows use Hilbert here.
                    SignedMeasure m = _invariant == "euler" ? b.EulerSignedMeasure(_values, _time) : b.HilbertSignedMeasures(_values, _time, zeroPad: true)[0];
                    SignedMeasureConvolution.Compute(MeasureAtom.FromGrid(m, _values, _time), box, _resolution, _bandwidth, slot);
                    break;
            }
        }

        return output;
    }
}
