using Microsoft.ML.OnnxRuntime;
using Pipelines.Onnx;
using Pipelines.Onnx.Runtime;
using Pipelines.Onnx.Text;

namespace Pipelines.Transforms.Tests.LowRank;

/// <summary>all-MiniLM-L6-v2, a tokenized batch of real sentences, and the original model's outputs on it.</summary>
public sealed class MiniLmHarness
{
    public static readonly string[] Sentences =
    [
        "The film is a charming, funny and moving portrait of a small town.",
        "I would not recommend this restaurant to anyone who values their time.",
        "Low-rank adapters let a large model be fine-tuned with a few parameters.",
        "The quarterly report shows revenue growth in every region except Europe.",
    ];

    public MiniLmHarness()
    {
        PretrainedModelFiles files = PretrainedModels.MiniLm();
        Model = OnnxModelIO.Load(files.ModelPath);
        var encoder = WordPieceEncoder.FromVocab(files.VocabPath, new WordPieceEncoderOptions { MaxLength = null });
        using TensorBatch batch = encoder.EncodeBatch(Sentences);
        SequenceLength = (int)batch.ShapeOf(BertInputs.InputIds)[1];
        InputIds = batch.Get<long>(BertInputs.InputIds);
        AttentionMask = batch.Get<long>(BertInputs.AttentionMask);

        Reference = Run(Model);
    }

    public OnnxModel Model { get; }

    public int SequenceLength { get; }

    public long[] InputIds { get; }

    public long[] AttentionMask { get; }

    public Dictionary<string, float[]> Reference { get; }

    public Dictionary<string, float[]> Run(OnnxModel model)
    {
        using OnnxSession session = OrtSessions.Create(model, new SessionSettings { Optimization = GraphOptimization.Basic });
        long[] shape = [Sentences.Length, SequenceLength];
        using var ids = OrtValue.CreateTensorValueFromMemory(InputIds, shape);
        using var mask = OrtValue.CreateTensorValueFromMemory(AttentionMask, shape);
        using var types = OrtValue.CreateTensorValueFromMemory(new long[InputIds.Length], shape);
        var inputs = new Dictionary<string, OrtValue> { ["input_ids"] = ids, ["attention_mask"] = mask, ["token_type_ids"] = types };
        using IDisposableReadOnlyCollection<OrtValue> outputs = session.RunValues(inputs);
        var result = new Dictionary<string, float[]>(StringComparer.Ordinal);
        IReadOnlyList<string> names = session.Session.OutputNames;
        for (int i = 0; i < names.Count; i++)
        {
            result[names[i]] = outputs[i].GetTensorDataAsSpan<float>().ToArray();
        }

        return result;
    }

    /// <summary>max |adapted − original| over every output element.</summary>
    public double MaxDeviation(OnnxModel adapted)
    {
        Dictionary<string, float[]> outputs = Run(adapted);
        double worst = 0;
        foreach ((string name, float[] reference) in Reference)
        {
            float[] got = outputs[name];
            for (int i = 0; i < reference.Length; i++)
            {
                worst = Math.Max(worst, Math.Abs(got[i] - reference[i]));
            }
        }

        return worst;
    }
}
