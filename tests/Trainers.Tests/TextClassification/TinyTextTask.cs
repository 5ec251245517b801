using Pipelines.Onnx;
using Pipelines.Trainers.TextClassification;

namespace Pipelines.Trainers.Tests.TextClassification;

/// <summary>
/// A tiny BERT-shaped encoder (embedding → two linear layers with tanh, hidden 16) over a 17-word vocabulary and a
/// deterministic sentiment set: a sentence is positive when it holds one of good/great/fine, negative with bad/awful/poor.
/// </summary>
internal sealed class TinyTextTask : IDisposable
{
    public const int Hidden = 16;

    private static readonly string[] s_positive = ["good", "great", "fine"];
    private static readonly string[] s_negative = ["bad", "awful", "poor"];
    private static readonly string[] s_filler = ["the", "movie", "was", "plot", "acting", "very", "so", "really"];

    private readonly string _directory = Directory.CreateTempSubdirectory("pipelines-tiny-").FullName;

    public TinyTextTask(int maxLength = 8)
    {
        string[] vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", .. s_positive, .. s_negative, .. s_filler];
        VocabPath = Path.Combine(_directory, "vocab.txt");
        File.WriteAllLines(VocabPath, vocab);
        Tokenizer = TextEncoderTokenizer.FromVocab(VocabPath, maxLength);
        Encoder = BuildEncoder(vocab.Length, seed: 5);
    }

    public string VocabPath { get; }

    public TextEncoderTokenizer Tokenizer { get; }

    public OnnxModel Encoder { get; }

    public static IReadOnlyList<LabeledSentence> Sentences(int count, int seed)
    {
        var rng = new Random(seed);
        var rows = new List<LabeledSentence>(count);
        for (int i = 0; i < count; i++)
        {
            int label = i % 2;
            string key = label == 1 ? s_positive[rng.Next(3)] : s_negative[rng.Next(3)];
            var words = Enumerable.Range(0, 2 + rng.Next(3)).Select(_ => s_filler[rng.Next(s_filler.Length)]).ToList();
            words.Insert(rng.Next(words.Count + 1), key);
            rows.Add(new LabeledSentence(string.Join(' ', words), label));
        }

        return rows;
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static OnnxModel BuildEncoder(int vocab, int seed)
    {
        var rng = new Random(seed);
        float[] Rand(int n, float scale) => Enumerable.Range(0, n).Select(_ => (float)((rng.NextDouble() * 2) - 1) * scale).ToArray();
        var b = new GraphBuilder("tiny_encoder");
        string ids = b.Input("input_ids", TensorElementType.Int64, "batch", "sequence");
        b.Input("attention_mask", TensorElementType.Int64, "batch", "sequence");
        string emb = b.Initializer(OnnxTensor.FromFloats("embeddings.word", Rand(vocab * Hidden, 1f), vocab, Hidden));
        string x = b.Op("Gather", emb, ids);
        string w1 = b.Initializer(OnnxTensor.FromFloats("layer.0.dense.weight", Rand(Hidden * Hidden, 0.5f), Hidden, Hidden));
        string b1 = b.Initializer(OnnxTensor.FromFloats("layer.0.dense.bias", Rand(Hidden, 0.1f), Hidden));
        string h = b.Op("Tanh", b.Op("Add", b.Op("MatMul", x, w1), b1));
        string w2 = b.Initializer(OnnxTensor.FromFloats("layer.1.dense.weight", Rand(Hidden * Hidden, 0.5f), Hidden, Hidden));
        string b2 = b.Initializer(OnnxTensor.FromFloats("layer.1.dense.bias", Rand(Hidden, 0.1f), Hidden));
        string y = b.Op("Add", b.Op("MatMul", h, w2), b2);
        b.Output(y, "last_hidden_state", TensorType.Of(TensorElementType.Float, "batch", "sequence", Hidden));
        return b.ToModel(opset: 17);
    }
}
