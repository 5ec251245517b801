using System.Numerics.Tensors;

namespace Pipelines.Export.Quantization;

/// <summary>
/// GPTQ (Frantar, Ashkboos, Hoefler &amp; Alistarh, 2022): quantizes a MatMul weight <c>W[K, N]</c> one input row k at a time
/// and spreads each row's rounding error over the rows not yet quantized, so as to minimise the layer's output error
/// <c>tr((W − Ŵ)ᵀ H (W − Ŵ))</c> with <c>H = E[x xᵀ]</c> <c>[K, K]</c> the second moment of its input. With the upper Cholesky
/// factor U of <c>H⁻¹</c>: <c>e = (w_k − ŵ_k)/U[k,k]</c>, <c>w_j −= U[k,j]·e</c> for j &gt; k. Each block of
/// <c>blockSize</c> rows along K gets its scale and zero point (per output column) when its first row is reached, from the
/// already-updated weights, by <see cref="BlockScaleSearch"/> weighted by <c>diag(H)</c>. The result has exactly the layout of
/// <see cref="WeightMatrix.QuantizeColumns"/>, so every 4-bit operator stores it unchanged.
/// </summary>
public static class Gptq
{
    /// <summary>Default damping: <c>H + λ·mean(diag H)·I</c> with λ = 0.01 (the paper's value).</summary>
    public const double DefaultDamping = 0.01;

    /// <summary>Quantizes <paramref name="w"/> (row-major <c>[K, N]</c>) given the input Hessian <c>[K, K]</c>.</summary>
    /// <param name="w">The weight.</param>
    /// <param name="k">K (input features).</param>
    /// <param name="n">N (output features).</param>
    /// <param name="hessian"><c>E[x xᵀ]</c>, row-major <c>[K, K]</c>, symmetric positive semi-definite.</param>
    /// <param name="blockSize">Elements per block along K.</param>
    /// <param name="bits">Bits per code.</param>
    /// <param name="symmetric">Symmetric blocks.</param>
    /// <param name="search">How each block's scale and zero point are chosen.</param>
    /// <param name="damping">λ of the diagonal damping.</param>
    /// <returns>Codes and block parameters with rows = the N output columns (blocks along K).</returns>
    /// <exception cref="ArgumentException">Shapes do not match, or H is not positive definite after damping.</exception>
    public static BlockQuantizedRows QuantizeColumns(
        ReadOnlySpan<float> w, int k, int n, ReadOnlySpan<double> hessian, int blockSize, int bits, bool symmetric,
        BlockScaleSearch search = BlockScaleSearch.Mse, double damping = DefaultDamping)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
        if (w.Length != (long)k * n || hessian.Length != (long)k * k)
        {
            throw new ArgumentException($"GPTQ: weight of {w.Length} values and Hessian of {hessian.Length} do not match K={k}, N={n}.");
        }

        // Dead inputs (never active) carry no information: H[i,i] = 1 and W[i,:] = 0, as in the reference implementation.
        double[] h = hessian.ToArray();
        float[] work = w.ToArray();
        var dead = new bool[k];
        double meanDiag = 0;
        for (int i = 0; i < k; i++)
        {
            if (h[(i * k) + i] <= 0)
            {
                dead[i] = true;
                h[(i * k) + i] = 1;
                work.AsSpan(i * n, n).Clear();
            }

            meanDiag += h[(i * k) + i];
        }

        meanDiag /= k;
        var importance = new float[k];
        for (int i = 0; i < k; i++)
        {
            h[(i * k) + i] += damping * meanDiag;
            importance[i] = (float)h[(i * k) + i];
        }

        double[] u = UpperCholeskyOfInverse(h, k);
        int qmax = (1 << bits) - 1;
        int mid = 1 << (bits - 1);
        int blocks = (k + blockSize - 1) / blockSize;
        var codes = new byte[(long)n * k];
        var scales = new float[n * blocks];
        var zeros = new byte[n * blocks];
        var column = new float[blockSize];
        var err = new float[n];
        for (int row = 0; row < k; row++)
        {
            int b = row / blockSize;
            if (row % blockSize == 0)
            {
                int count = Math.Min(blockSize, k - row);
                for (int c = 0; c < n; c++)
                {
                    for (int i = 0; i < count; i++)
                    {
                        column[i] = work[((row + i) * n) + c];
                    }

                    (float s, int z) = BlockParameterSearch.Choose(column.AsSpan(0, count), importance.AsSpan(row, count), symmetric, qmax, mid, search);
                    scales[(c * blocks) + b] = s;
                    zeros[(c * blocks) + b] = (byte)z;
                }
            }

            Span<float> wr = work.AsSpan(row * n, n);
            float d = (float)u[(row * k) + row];
            for (int c = 0; c < n; c++)
            {
                float s = scales[(c * blocks) + b];
                int z = zeros[(c * blocks) + b];
                int q = BlockParameterSearch.Code(wr[c], s == 0 ? 0 : 1f / s, z, qmax);
                codes[((long)c * k) + row] = (byte)q;
                err[c] = (wr[c] - ((q - z) * s)) / d;
            }

            for (int j = row + 1; j < k; j++)
            {
                if (!dead[j])
                {
                    TensorPrimitives.MultiplyAdd(err, (float)-u[(row * k) + j], work.AsSpan(j * n, n), work.AsSpan(j * n, n));
                }
            }
        }

        return new BlockQuantizedRows(n, k, blockSize, bits, symmetric, codes, scales, zeros);
    }

    /// <summary>U upper triangular with <c>H⁻¹ = UᵀU</c>: Cholesky <c>H = LLᵀ</c>, <c>H⁻¹ = L⁻ᵀL⁻¹</c>, then its Cholesky.</summary>
    internal static double[] UpperCholeskyOfInverse(double[] h, int k)
    {
        double[] l = LowerCholesky(h, k);

        // Liᵀ with Li = L⁻¹ (lower triangular), by forward substitution: Li[i, j] = −Σ_{j≤m<i} L[i, m]·Li[m, j] / L[i, i].
        // Row j of Liᵀ holds column j of Li, so the sum is a contiguous dot product.
        var lit = new double[k * k];
        for (int i = 0; i < k; i++)
        {
            double lii = l[(i * k) + i];
            lit[(i * k) + i] = 1 / lii;
            for (int j = 0; j < i; j++)
            {
                double s = TensorPrimitives.Dot<double>(l.AsSpan((i * k) + j, i - j), lit.AsSpan((j * k) + j, i - j));
                lit[(j * k) + i] = -s / lii;
            }
        }

        // H⁻¹ = Liᵀ Li: entry (i, j) = Σ_m Li[m, i] Li[m, j] over m ≥ max(i, j).
        var inv = new double[k * k];
        for (int i = 0; i < k; i++)
        {
            for (int j = i; j < k; j++)
            {
                double s = TensorPrimitives.Dot<double>(lit.AsSpan((i * k) + j, k - j), lit.AsSpan((j * k) + j, k - j));
                inv[(i * k) + j] = s;
                inv[(j * k) + i] = s;
            }
        }

        double[] lower = LowerCholesky(inv, k);
        var upper = new double[k * k];
        for (int i = 0; i < k; i++)
        {
            for (int j = 0; j <= i; j++)
            {
                upper[(j * k) + i] = lower[(i * k) + j];
            }
        }

        return upper;
    }

    /// <summary>L lower triangular with <c>A = LLᵀ</c> (row-major).</summary>
    /// <exception cref="ArgumentException">A is not positive definite.</exception>
    internal static double[] LowerCholesky(double[] a, int k)
    {
        var l = new double[k * k];
        for (int i = 0; i < k; i++)
        {
            for (int j = 0; j <= i; j++)
            {
                double s = a[(i * k) + j] - TensorPrimitives.Dot<double>(l.AsSpan(i * k, j), l.AsSpan(j * k, j));
                if (i == j)
                {
                    if (!(s > 0))
                    {
                        throw new ArgumentException($"GPTQ: the damped Hessian is not positive definite (pivot {i} = {s:G3}); raise the damping.");
                    }

                    l[(i * k) + i] = Math.Sqrt(s);
                }
                else
                {
                    l[(i * k) + j] = s / l[(j * k) + j];
                }
            }
        }

        return l;
    }
}
