using Pipelines.Onnx;

namespace Pipelines.Testing;

/// <summary>all-MiniLM-L6-v2 from its NuGet package (extracted once per test run), loaded lazily.</summary>
public static class MiniLm
{
    private static readonly Lazy<OnnxModel> s_model = new(() => OnnxModelIO.Load(Files.ModelPath));

    /// <summary>The extracted files.</summary>
    public static PretrainedModelFiles Files => PretrainedModels.MiniLm();

    /// <summary>A fresh deep copy of the model (safe to modify).</summary>
    public static OnnxModel LoadCopy() => OnnxModelIO.Load(Files.ModelPath);

    /// <summary>A shared instance: do not modify.</summary>
    public static OnnxModel Shared => s_model.Value;

    /// <summary>Token ids of a few short sentences (uncased WordPiece ids), padded with 0 to the longest; mask marks real tokens.</summary>
    public static (long[] Ids, long[] Mask, int Batch, int Sequence) SampleBatch()
    {
        long[][] sentences =
        [
            [101, 1996, 4248, 2829, 4419, 14523, 2058, 1996, 13971, 3899, 102],
            [101, 1045, 2293, 2023, 3185, 102],
            [101, 2009, 2001, 1037, 6659, 2154, 1012, 102],
        ];
        int seq = sentences.Max(s => s.Length);
        long[] ids = new long[sentences.Length * seq];
        long[] mask = new long[ids.Length];
        for (int b = 0; b < sentences.Length; b++)
        {
            for (int t = 0; t < sentences[b].Length; t++)
            {
                ids[(b * seq) + t] = sentences[b][t];
                mask[(b * seq) + t] = 1;
            }
        }

        return (ids, mask, sentences.Length, seq);
    }
}
