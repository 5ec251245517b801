// (a) PiSSA initialisation of all-MiniLM-L6-v2 in an ML.NET pipeline, saved with mlContext.Model.Save and reloaded in a
// fresh process. Packages: StabilityPipelines.Transforms, StabilityPipelines.Models.MiniLM (the pretrained model).
using Microsoft.ML;
using Microsoft.ML.Data;
using Pipelines;
using Pipelines.Onnx;
using Pipelines.Onnx.Text;
using Pipelines.Transforms.LowRank;
using Samples;

const int Sequence = 16;
string[] sentences = ["the quick brown fox jumps over the lazy dog", "i love this movie", "it was a terrible day ."];

var ml = new MLContext(seed: 1);
PretrainedModelFiles miniLm = PretrainedModels.MiniLm();                 // model.onnx + vocab.txt, extracted once
WordPieceEncoder tokenizer = WordPieceEncoder.FromVocab(miniLm.VocabPath);
IDataView data = ml.Data.LoadFromEnumerable(sentences.Select(s => Tokens.Of(tokenizer, s, Sequence)));
string[] inputs = [BertInputs.InputIds, BertInputs.AttentionMask, BertInputs.TokenTypeIds];

if (args is ["reload", string folder])
{
    // A fresh process: load the saved pipeline and score the same sentences.
    // Dispose the loaded model: ML.NET wrote its ONNX graph to a temporary file on Load and deletes it only on Dispose.
    ITransformer loaded = new MLContext(seed: 2).Model.Load(Path.Combine(folder, "pissa.zip"), out _);
    using var owner = loaded as IDisposable;
    return FreshProcess.Check(Path.Combine(folder, "hidden.txt"), Tokens.Hidden(ml, loaded.Transform(data)));
}

// PiSSA-fast (randomized SVD, rank 8) on every linear layer; the adapted model scores like the base model.
LowRankAdapterEstimator pissa = ml.Transforms.LowRank.InitializeAdapters(new LowRankAdapterOptions
{
    ModelPath = miniLm.ModelPath,
    InputColumnNames = inputs,
    OutputColumnNames = ["last_hidden_state"],
    ShapeDictionary = inputs.ToDictionary(i => i, _ => new[] { 1, Sequence }),
    Initialization = new LowRankOptions { Method = LowRankMethod.PissaFast, Rank = 8, Seed = 42 },
});
using LowRankAdapterTransformer adapted = pissa.Fit(data); // dispose: it holds an ONNX session and a temporary copy of the graph
Console.WriteLine($"PiSSA: {adapted.Adapters.Adapters.Count} adapters, rank {adapted.Report.Layers.Sum(l => l.Rank)} in total");

float[] hidden = Tokens.Hidden(ml, adapted.Transform(data));
string dir = Directory.CreateTempSubdirectory("pissa-sample-").FullName;
ml.Model.Save(adapted, data.Schema, Path.Combine(dir, "pissa.zip"));
FreshProcess.Save(Path.Combine(dir, "hidden.txt"), hidden);
Console.WriteLine($"saved {Path.Combine(dir, "pissa.zip")} ({new FileInfo(Path.Combine(dir, "pissa.zip")).Length / 1e6:F1} MB)");
return FreshProcess.Run("reload", dir);

/// <summary>One tokenized sentence, padded to a fixed length (ML.NET vectors have fixed sizes).</summary>
internal sealed class Tokens
{
    [VectorType(1, 16)] [ColumnName("input_ids")] public long[] Ids { get; set; } = [];
    [VectorType(1, 16)] [ColumnName("attention_mask")] public long[] Mask { get; set; } = [];
    [VectorType(1, 16)] [ColumnName("token_type_ids")] public long[] Types { get; set; } = [];

    public static Tokens Of(WordPieceEncoder tokenizer, string text, int length)
    {
        int[] ids = tokenizer.Encode(text);
        var row = new Tokens { Ids = new long[length], Mask = new long[length], Types = new long[length] };
        for (int i = 0; i < Math.Min(length, ids.Length); i++)
        {
            row.Ids[i] = ids[i];
            row.Mask[i] = 1;
        }

        return row;
    }

    /// <summary>Every hidden-state value of every row, in order.</summary>
    public static float[] Hidden(MLContext ml, IDataView scored) =>
        [.. scored.GetColumn<VBuffer<float>>("last_hidden_state").SelectMany(v => v.DenseValues())];
}
