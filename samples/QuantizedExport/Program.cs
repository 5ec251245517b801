// (e) Quantized export: all-MiniLM-L6-v2 to int8 (dynamic, per-channel) and int4 (block-wise MatMulNBits, block 32).
// The exported files are plain ONNX: scored here with ONNX Runtime's InferenceSession and with ML.NET's ApplyOnnxModel,
// compared with the float model (cosine of mean-pooled sentence embeddings), then reloaded in a fresh process.
// Packages: StabilityPipelines.Export, StabilityPipelines.Models.MiniLM.
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Pipelines.Export;
using Pipelines.Onnx;
using Pipelines.Onnx.Text;
using Samples;

const int Sequence = 16;
string[] sentences = ["the quick brown fox jumps over the lazy dog", "i love this movie", "it was a terrible day ."];
PretrainedModelFiles miniLm = PretrainedModels.MiniLm();
WordPieceEncoder tokenizer = WordPieceEncoder.FromVocab(miniLm.VocabPath);
long[][] ids = [.. sentences.Select(s => Pad(tokenizer.Encode(s)))];

if (args is ["reload", string folder])
{
    float[] again = [.. Session(Path.Combine(folder, "int8.onnx")), .. Session(Path.Combine(folder, "int4.onnx"))];
    return FreshProcess.Check(Path.Combine(folder, "outputs.txt"), again);
}

string dir = Directory.CreateTempSubdirectory("export-sample-").FullName;
OnnxModel model = OnnxModelIO.Load(miniLm.ModelPath);
float[] reference = Session(miniLm.ModelPath);
var outputs = new List<float>();
foreach ((string name, ExportFormat format) in new[] { ("int8", ExportFormat.Int8Dynamic), ("int4", ExportFormat.Int4) })
{
    string path = Path.Combine(dir, $"{name}.onnx");
    OnnxModelIO.Save(OnnxExporter.Export(model, new ExportOptions { Format = format }).Model, path);
    float[] session = Session(path);
    float[] mlnet = MlNet(path);
    float gap = session.Zip(mlnet).Max(p => Math.Abs(p.First - p.Second));   // the same rows through two front ends
    if (gap > 1e-4f)
    {
        Console.WriteLine($"{name}: InferenceSession and ApplyOnnxModel disagree by {gap}");
        return 1;
    }

    Console.WriteLine($"{name}: {new FileInfo(path).Length / 1e6:F1} MB (float {new FileInfo(miniLm.ModelPath).Length / 1e6:F1} MB), " +
        $"cosine to float embeddings {Cosine(Pooled(reference), Pooled(session)):F4}; ApplyOnnxModel within {gap:G2}");
    outputs.AddRange(session);
}

FreshProcess.Save(Path.Combine(dir, "outputs.txt"), outputs);
return FreshProcess.Run("reload", dir);

long[] Pad(int[] tokens) => [.. Enumerable.Range(0, Sequence).Select(i => i < tokens.Length ? (long)tokens[i] : 0L)];

// ONNX Runtime directly, one sentence per run (int8's activation scales are per batch): [1, 16] → [1, 16, 384] each.
float[] Session(string path)
{
    using var session = new InferenceSession(path);
    var shape = new[] { 1, Sequence };
    var hidden = new List<float>();
    foreach (long[] row in ids)
    {
        using var results = session.Run(
        [
            NamedOnnxValue.CreateFromTensor("input_ids", new DenseTensor<long>(row, shape)),
            NamedOnnxValue.CreateFromTensor("attention_mask", new DenseTensor<long>(row.Select(t => t == 0 ? 0L : 1L).ToArray(), shape)),
            NamedOnnxValue.CreateFromTensor("token_type_ids", new DenseTensor<long>(new long[Sequence], shape)),
        ]);
        hidden.AddRange(results.First(r => r.Name == "last_hidden_state").AsEnumerable<float>());
    }

    return [.. hidden];
}

// ML.NET: the same model as a transformer, one row per sentence.
float[] MlNet(string path)
{
    var ml = new MLContext(seed: 1);
    IDataView rows = ml.Data.LoadFromEnumerable(ids.Select(r => new Tokens { Ids = r, Mask = [.. r.Select(t => t == 0 ? 0L : 1L)], Types = new long[Sequence] }));
    string[] inputs = ["input_ids", "attention_mask", "token_type_ids"];
    var shapes = inputs.ToDictionary(i => i, _ => new[] { 1, Sequence });
    ITransformer onnx = ml.Transforms.ApplyOnnxModel(["last_hidden_state"], inputs, path, shapes, gpuDeviceId: null, fallbackToCpu: false).Fit(rows);
    return [.. onnx.Transform(rows).GetColumn<VBuffer<float>>("last_hidden_state").SelectMany(v => v.DenseValues())];
}

// Mean over the real tokens of each sentence: [3, 384].
float[] Pooled(float[] hidden)
{
    const int Hidden = 384;
    var pooled = new float[sentences.Length * Hidden];
    for (int b = 0; b < sentences.Length; b++)
    {
        int real = ids[b].Count(t => t != 0);
        for (int t = 0; t < real; t++)
        {
            for (int h = 0; h < Hidden; h++)
            {
                pooled[(b * Hidden) + h] += hidden[(((b * Sequence) + t) * Hidden) + h] / real;
            }
        }
    }

    return pooled;
}

static double Cosine(float[] a, float[] b) =>
    a.Zip(b).Sum(p => (double)p.First * p.Second) / Math.Sqrt(a.Sum(x => (double)x * x) * b.Sum(x => (double)x * x));

internal sealed class Tokens
{
    [VectorType(1, 16)] [ColumnName("input_ids")] public long[] Ids { get; set; } = [];
    [VectorType(1, 16)] [ColumnName("attention_mask")] public long[] Mask { get; set; } = [];
    [VectorType(1, 16)] [ColumnName("token_type_ids")] public long[] Types { get; set; } = [];
}
