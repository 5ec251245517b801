using Pipelines.Export.Quantization;

namespace Pipelines.Export.Tests.Quantization;

public class PackingTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(64)]
    public void Int4Packing_PackUnpack_RoundTrips(int count)
    {
        var rng = new Random(count);
        byte[] codes = Enumerable.Range(0, count).Select(_ => (byte)rng.Next(16)).ToArray();
        byte[] packed = Int4Packing.Pack(codes);
        Assert.Equal((count + 1) / 2, packed.Length);
        var back = new byte[count];
        Int4Packing.Unpack(packed, back);
        Assert.Equal(codes, back);
        Assert.Equal(codes[0], packed[0] & 0x0F);
    }

    [Fact]
    public void Int4Packing_RejectsCodesAbove15()
    {
        Assert.Throws<ArgumentException>(() => Int4Packing.Pack(new byte[] { 3, 16 }));
    }

    [Theory]
    [InlineData(true, 32)]
    [InlineData(false, 32)]
    [InlineData(true, 16)]
    [InlineData(false, 64)]
    public void BlockQuantizer_ErrorIsAtMostHalfAStep(bool symmetric, int blockSize)
    {
        int rows = 5, length = 80;
        float[] w = QuantTestModels.Random(3, rows * length, 0.7f);
        BlockQuantizedRows q = BlockQuantizer.Quantize(w, rows, length, blockSize, 4, symmetric);
        float[] deq = q.Dequantize();
        int blocks = q.BlocksPerRow;
        Assert.Equal((length + blockSize - 1) / blockSize, blocks);
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < length; c++)
            {
                float step = MathF.Abs(q.Scales[(r * blocks) + (c / blockSize)]);
                // Symmetric blocks put the largest magnitude on code 0 (−8 steps); the opposite side ends at +7 steps and clips.
                float bound = symmetric ? step : step * 0.5f;
                Assert.InRange(MathF.Abs(deq[(r * length) + c] - w[(r * length) + c]), 0, bound + 1e-6f);
            }
        }

        if (symmetric)
        {
            Assert.All(q.ZeroPoints, z => Assert.Equal(8, z));
        }
    }

    [Fact]
    public void BlockQuantizer_SymmetricMapsTheLargestMagnitudeExactly()
    {
        float[] w = [0.1f, -0.8f, 0.3f, 0.2f];
        BlockQuantizedRows q = BlockQuantizer.Quantize(w, 1, 4, 4, 4, symmetric: true);
        Assert.Equal(0, q.Codes[1]);
        Assert.Equal(-0.8f, q.Dequantize()[1], 6);
    }

    [Fact]
    public void PackCodesPerBlock_PadsPartialBlocksWithTheZeroPoint_AndUnpacksToTheCodes()
    {
        int rows = 3, length = 40, bs = 32;
        BlockQuantizedRows q = BlockQuantizer.Quantize(QuantTestModels.Random(9, rows * length), rows, length, bs, 4, symmetric: false);
        byte[] packed = q.PackCodesPerBlock();
        Assert.Equal(rows * 2 * bs / 2, packed.Length);
        var codes = new byte[2 * bs];
        for (int r = 0; r < rows; r++)
        {
            Int4Packing.Unpack(packed.AsSpan(r * bs, bs), codes);
            Assert.Equal(q.Codes.AsSpan(r * length, length).ToArray(), codes.AsSpan(0, length).ToArray());
            Assert.All(codes.AsSpan(length).ToArray(), c => Assert.Equal(q.ZeroPoints[(r * 2) + 1], c));
        }

        byte[] zp = q.PackZeroPointsPerRow();
        Assert.Equal(rows, zp.Length);
        Assert.Equal(q.ZeroPoints[0] | (q.ZeroPoints[1] << 4), zp[0]);
    }

    [Fact]
    public void Int8Weights_PerChannelScalesFollowColumnMaxima()
    {
        float[] w = [1f, -0.5f, -2f, 0.25f];
        (sbyte[] codes, float[] scales) = Int8Weights.Quantize(w, 2, 2, perChannel: true);
        Assert.Equal(2f / 127f, scales[0], 7);
        Assert.Equal(0.5f / 127f, scales[1], 7);
        Assert.Equal(new sbyte[] { 64, -127, -127, 64 }, codes);
    }

    [Theory]
    [InlineData(true, BlockScaleSearch.Clip)]
    [InlineData(false, BlockScaleSearch.Clip)]
    [InlineData(true, BlockScaleSearch.Mse)]
    [InlineData(false, BlockScaleSearch.Mse)]
    public void Search_NeverIncreasesTheBlockError_RandomAndHeavyTailed(bool symmetric, BlockScaleSearch search)
    {
        int rows = 16, length = 96, bs = 32;
        foreach ((string kind, float[] w) in new[] { ("uniform", QuantTestModels.Random(21, rows * length)), ("student-t(2)", HeavyTailed(22, rows * length)) })
        {
            BlockQuantizedRows plain = BlockQuantizer.Quantize(w, rows, length, bs, 4, symmetric, BlockScaleSearch.MinMax);
            BlockQuantizedRows searched = BlockQuantizer.Quantize(w, rows, length, bs, 4, symmetric, search);
            for (int r = 0; r < rows; r++)
            {
                for (int b = 0; b < length / bs; b++)
                {
                    Assert.True(
                        BlockError(w, searched, r, b) <= BlockError(w, plain, r, b) * (1 + 1e-6),
                        $"{kind}, row {r}, block {b}: searched {BlockError(w, searched, r, b)} > min-max {BlockError(w, plain, r, b)}");
                }
            }

            // Over a whole matrix of heavy-tailed blocks the search must actually help, not merely tie.
            Assert.True(BlockQuantizer.SquaredError(w, searched) < 0.97 * BlockQuantizer.SquaredError(w, plain), kind);
        }
    }

    [Fact]
    public void MseSearch_IsNoWorseThanClipSearch()
    {
        int rows = 32, length = 64;
        float[] w = HeavyTailed(5, rows * length);
        foreach (bool symmetric in new[] { true, false })
        {
            double clip = BlockQuantizer.SquaredError(w, BlockQuantizer.Quantize(w, rows, length, 32, 4, symmetric, BlockScaleSearch.Clip));
            double mse = BlockQuantizer.SquaredError(w, BlockQuantizer.Quantize(w, rows, length, 32, 4, symmetric, BlockScaleSearch.Mse));
            Assert.True(mse <= clip * (1 + 1e-9), $"symmetric={symmetric}: mse {mse} > clip {clip}");
        }
    }

    [Theory]
    [InlineData(true, 32, 80)]
    [InlineData(false, 32, 80)]
    [InlineData(false, 16, 48)]
    public void MseSearch_CodesPackAndUnpackToTheSameDequantizedMatrix(bool symmetric, int bs, int length)
    {
        int rows = 6;
        float[] w = HeavyTailed(8, rows * length);
        BlockQuantizedRows q = BlockQuantizer.Quantize(w, rows, length, bs, 4, symmetric, BlockScaleSearch.Mse);
        Assert.All(q.Codes, c => Assert.InRange(c, 0, 15));
        Assert.All(q.ZeroPoints, z => Assert.InRange(z, 0, 15));
        int blocks = q.BlocksPerRow;
        byte[] packed = q.PackCodesPerBlock();
        byte[] zps = q.PackZeroPointsPerRow();
        var codes = new byte[blocks * bs];
        var zp = new byte[blocks];
        float[] expected = q.Dequantize();
        for (int r = 0; r < rows; r++)
        {
            Int4Packing.Unpack(packed.AsSpan(r * blocks * bs / 2, blocks * bs / 2), codes);
            Int4Packing.Unpack(zps.AsSpan(r * ((blocks + 1) / 2), (blocks + 1) / 2), zp);
            for (int c = 0; c < length; c++)
            {
                float value = (codes[c] - zp[c / bs]) * q.Scales[(r * blocks) + (c / bs)];
                Assert.Equal(expected[(r * length) + c], value);
            }
        }
    }

    [Fact]
    public void Importance_MovesTheErrorToUnimportantPositions()
    {
        int rows = 24, length = 32;
        float[] w = HeavyTailed(11, rows * length);
        float[] h = Enumerable.Range(0, length).Select(i => i < 4 ? 100f : 1f).ToArray();
        BlockQuantizedRows plain = BlockQuantizer.Quantize(w, rows, length, 32, 4, false, BlockScaleSearch.Mse);
        BlockQuantizedRows weighted = BlockQuantizer.Quantize(w, rows, length, 32, 4, false, BlockScaleSearch.Mse, h);
        double Weighted(BlockQuantizedRows q)
        {
            float[] d = q.Dequantize();
            return Enumerable.Range(0, w.Length).Sum(i => h[i % length] * Math.Pow(w[i] - d[i], 2));
        }

        Assert.True(Weighted(weighted) < Weighted(plain), $"{Weighted(weighted)} vs {Weighted(plain)}");
        Assert.Throws<ArgumentException>(() => BlockQuantizer.Quantize(w, rows, length, 32, 4, false, BlockScaleSearch.Mse, new float[3]));
    }

    private static double BlockError(float[] w, BlockQuantizedRows q, int row, int block)
    {
        float[] d = q.Dequantize();
        int start = (row * q.Length) + (block * q.BlockSize);
        int end = Math.Min(start + q.BlockSize, (row + 1) * q.Length);
        double e = 0;
        for (int i = start; i < end; i++)
        {
            e += Math.Pow(w[i] - d[i], 2);
        }

        return e;
    }

    /// <summary>Student-t with 2 degrees of freedom (heavy tails: a few large outliers per block), seeded.</summary>
    private static float[] HeavyTailed(int seed, int count)
    {
        var rng = new Random(seed);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        return Enumerable.Range(0, count).Select(_ =>
        {
            double z = Normal(), a = Normal(), b = Normal();
            return (float)(0.05 * z / Math.Sqrt(((a * a) + (b * b)) / 2));
        }).ToArray();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ClipSearch_NeverIncreasesTheBlockError(bool symmetric)
    {
        int rows = 8, length = 64;
        float[] w = QuantTestModels.Random(21, rows * length);
        w[5] = 4f; // an outlier block
        float[] plain = BlockQuantizer.Quantize(w, rows, length, 32, 4, symmetric).Dequantize();
        float[] searched = BlockQuantizer.Quantize(w, rows, length, 32, 4, symmetric, BlockScaleSearch.Mse).Dequantize();
        double SquaredError(float[] d) => w.Zip(d).Sum(p => Math.Pow(p.First - p.Second, 2));
        Assert.True(SquaredError(searched) <= SquaredError(plain) + 1e-9);
    }
}
