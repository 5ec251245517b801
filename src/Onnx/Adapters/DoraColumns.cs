using Pipelines.Numerics.LinearAlgebra;

namespace Pipelines.Onnx.Adapters;

/// <summary>
/// DoRA's weight decomposition (Liu et al. 2024) on an in×out weight V (ONNX layout, <c>y = x·V</c>): the column norm
/// ‖V‖_c (one L2 norm per output unit, over the input dimension; peft's <c>get_weight_norm</c> on the out×in weight)
/// and the merged weight <c>W' = V · diag(m / ‖V‖_c)</c>. Sums accumulate in double.
/// </summary>
internal static class DoraColumns
{
    /// <summary>‖V‖_c: the L2 norm of each column of <paramref name="v"/> (in×out), a vector of length out.</summary>
    public static float[] Norms(Matrix v)
    {
        var sums = new double[v.Cols];
        for (int i = 0; i < v.Rows; i++)
        {
            ReadOnlySpan<float> row = v.Data.AsSpan(i * v.Cols, v.Cols);
            for (int j = 0; j < row.Length; j++)
            {
                sums[j] += (double)row[j] * row[j];
            }
        }

        return [.. sums.Select(s => (float)Math.Sqrt(s))];
    }

    /// <summary>V ← V · diag(m / ‖V‖_c) in place: each column rescaled to the magnitude m_j.</summary>
    /// <exception cref="ArgumentException">The magnitude's length is not the number of columns.</exception>
    public static void Rescale(Matrix v, ReadOnlySpan<float> magnitude)
    {
        if (magnitude.Length != v.Cols)
        {
            throw new ArgumentException($"DoRA magnitude has {magnitude.Length} entries for a weight with {v.Cols} output columns.", nameof(magnitude));
        }

        float[] norms = Norms(v);
        var ratio = new float[v.Cols];
        for (int j = 0; j < ratio.Length; j++)
        {
            ratio[j] = magnitude[j] / norms[j];
        }

        for (int i = 0; i < v.Rows; i++)
        {
            Span<float> row = v.Data.AsSpan(i * v.Cols, v.Cols);
            for (int j = 0; j < row.Length; j++)
            {
                row[j] *= ratio[j];
            }
        }
    }
}
