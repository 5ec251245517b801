using System.Text.Json;
using Pipelines.Onnx;
using Pipelines.Testing;
using Xunit;

namespace Pipelines.Cli.Tests;

/// <summary>
/// <c>lora init</c> → <c>lora train</c> → <c>export --eval</c> on model folders alone: each step reads the folder the
/// previous one wrote (model, vocabulary, method, rank, α from <c>pipelines.json</c>); contradicting flags, tampered or
/// incomplete folders are refused.
/// </summary>
public sealed class ModelFolderChainTests : IClassFixture<ModelFolderChainTests.InitFolder>
{
    private static readonly string[] s_train =
    [
        "1 a gripping , beautifully acted film", "0 dull and lifeless from start to finish", "1 funny , warm and wise",
        "0 an incoherent mess", "1 one of the best films of the year", "0 tedious , overlong and badly written",
        "1 a delight", "0 the plot makes no sense",
    ];

    private readonly InitFolder _init;

    public ModelFolderChainTests(InitFolder init) => _init = init;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Chain_RunsOnFoldersAlone_CarryingVocabularyMethodAndRank(bool otherVocabulary)
    {
        using var dir = new TempDirectory();
        string baseFolder = InitFolder.BaseFolder(dir.File("base"), otherVocabulary);
        string vocabSha = ModelFolder.Sha256File(Path.Combine(baseFolder, "vocab.txt"));
        string init = dir.File("init");
        (int code, _, string err) = CliHarness.Run("lora", "init", "--model", baseFolder, "--method", "pissa", "--rank", "2", "--targets", "layers:0", "--out", init);
        Assert.True(code == 0, err);
        ModelFolder initFolder = ModelFolder.Open(init);
        Assert.Equal(vocabSha, initFolder.Manifest!.Tokenizer!.VocabularySha256);
        Assert.Equal("pissa", initFolder.Manifest.Adapters!.Method);
        Assert.Equal(2, initFolder.Manifest.Adapters.Rank);
        Assert.Equal(6, initFolder.Manifest.Adapters.Targets.Count);
        Assert.Contains("adapter_model.safetensors", initFolder.Manifest.Files.Keys);

        // the adapters' base hash is the base file's, the same value pipelines.json records (sha256sum reproduces it)
        using (JsonDocument config = JsonDocument.Parse(File.ReadAllText(Path.Combine(init, "adapter_config.json"))))
        {
            Assert.Equal(
                ModelFolder.Sha256File(Path.Combine(baseFolder, "model.onnx")),
                config.RootElement.GetProperty("pipelines").GetProperty("base_model_sha256").GetString());
        }

        Assert.Equal(ModelFolder.Sha256File(Path.Combine(baseFolder, "model.onnx")), initFolder.Manifest.BaseModelSha256);

        string trainFile = dir.File("train.txt");
        File.WriteAllLines(trainFile, s_train);
        string trained = dir.File("trained");
        (code, string output, err) = CliHarness.Run("lora", "train", "--model", init, "--train", trainFile, "--valid", trainFile,
            "--max-steps", "2", "--batch-size", "4", "--max-length", "16", "--out", trained, "--json");
        Assert.True(code == 0, err);
        using (JsonDocument doc = JsonDocument.Parse(output))
        {
            Assert.Equal("Pissa", doc.RootElement.GetProperty("method").GetString());
            Assert.Equal(2, doc.RootElement.GetProperty("rank").GetInt32());
        }

        ModelFolder trainedFolder = ModelFolder.Open(trained);
        Assert.Equal("lora train", trainedFolder.Manifest!.Producer);
        Assert.Equal(vocabSha, trainedFolder.Manifest.Tokenizer!.VocabularySha256);
        Assert.Equal(16, trainedFolder.Manifest.Tokenizer.MaxLength);
        Assert.Equal(initFolder.Manifest.BaseModelSha256, trainedFolder.Manifest.BaseModelSha256);
        Assert.Equal(ModelFolder.Sha256File(Path.Combine(baseFolder, "model.onnx")), trainedFolder.Manifest.BaseModelSha256);
        Assert.True(trainedFolder.Manifest.Metrics.ContainsKey("valid_accuracy"));

        string exported = dir.File("exported");
        (code, output, err) = CliHarness.Run("export", "--model", trained, "--quantize", "int8-dynamic", "--eval", trainFile, "--out", exported, "--json");
        Assert.True(code == 0, err);
        using (JsonDocument doc = JsonDocument.Parse(output))
        {
            Assert.Equal(JsonValueKind.Number, doc.RootElement.GetProperty("accuracy").ValueKind);
        }

        ModelFolder exportedFolder = ModelFolder.Open(exported);
        Assert.Equal("export", exportedFolder.Manifest!.Producer);
        Assert.Equal(vocabSha, exportedFolder.Manifest.Tokenizer!.VocabularySha256);
        Assert.True(exportedFolder.Manifest.Metrics.ContainsKey("accuracy"));
    }

    [Fact]
    public void Chain_Dora_InitExportTrain_OnFoldersAlone()
    {
        using var dir = new TempDirectory();
        string baseFolder = InitFolder.BaseFolder(dir.File("base"), otherVocabulary: false);
        string init = dir.File("init");
        (int code, string output, string err) = CliHarness.Run("lora", "init", "--model", baseFolder, "--method", "pissa", "--rank", "2", "--dora", "--targets", "q,v;layers:0", "--out", init, "--json");
        Assert.True(code == 0, err);
        using (JsonDocument doc = JsonDocument.Parse(output))
        {
            Assert.True(doc.RootElement.GetProperty("max_output_deviation").GetDouble() < 1e-4);
        }

        Assert.Contains("\"use_dora\": true", File.ReadAllText(Path.Combine(init, "adapter_config.json")), StringComparison.Ordinal);
        Assert.Equal("true", ModelFolder.Open(init).Manifest!.Options["dora"]);

        // export merges the DoRA adapters (magnitude included) into plain weights
        string exported = dir.File("exported");
        (code, output, err) = CliHarness.Run("export", "--model", init, "--quantize", "none", "--out", exported, "--json");
        Assert.True(code == 0, err);
        using (JsonDocument doc = JsonDocument.Parse(output))
        {
            Assert.Equal(2, doc.RootElement.GetProperty("merged_adapters").GetInt32());
        }

        // lora train trains A, B and m of the folder's adapters
        string trainFile = dir.File("train.txt");
        File.WriteAllLines(trainFile, s_train);
        (code, output, err) = CliHarness.Run("lora", "train", "--model", init, "--train", trainFile, "--max-steps", "2", "--batch-size", "4", "--max-length", "16", "--out", dir.File("trained"), "--json");
        Assert.True(code == 0, err);
        using (JsonDocument doc = JsonDocument.Parse(output))
        {
            // 2 adapters × (r·(in + out) + out) + the head (384·2 + 2)
            Assert.Equal((2 * ((2 * (384 + 384)) + 384)) + (384 * 2) + 2, doc.RootElement.GetProperty("trainable_parameters").GetInt64());
        }
    }

    [Theory]
    [InlineData("--rank", "16", "records 2")]
    [InlineData("--method", "lora", "records pissa")]
    [InlineData("--alpha", "8", "records 2")]
    public void Train_FlagContradictingTheFolder_IsRefusedNamingBothValues(string flag, string value, string recorded)
    {
        using var dir = new TempDirectory();
        string trainFile = dir.File("train.txt");
        File.WriteAllLines(trainFile, s_train);
        (int code, _, string err) = CliHarness.Run("lora", "train", "--model", _init.Path, flag, value, "--train", trainFile, "--max-steps", "1", "--out", dir.File("o"));
        Assert.Equal(2, code);
        Assert.Contains($"{flag} {value}", err, StringComparison.Ordinal);
        Assert.Contains(recorded, err, StringComparison.Ordinal);
        Assert.Contains("pipelines.json", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Train_OtherVocabularyThanTheFolders_IsRefused()
    {
        using var dir = new TempDirectory();
        string other = dir.File("vocab.txt");
        File.WriteAllLines(other, ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "film"]);
        string trainFile = dir.File("train.txt");
        File.WriteAllLines(trainFile, s_train);
        (int code, _, string err) = CliHarness.Run("lora", "train", "--model", _init.Path, "--vocab", other, "--train", trainFile, "--out", dir.File("o"));
        Assert.Equal(2, code);
        Assert.Contains("--vocab", err, StringComparison.Ordinal);
        Assert.Contains(ModelFolder.Sha256File(other), err, StringComparison.Ordinal);
    }

    [Fact]
    public void Init_OnAnAdaptedFolder_IsRefused()
    {
        using var dir = new TempDirectory();
        (int code, _, string err) = CliHarness.Run("lora", "init", "--model", _init.Path, "--out", dir.File("o"));
        Assert.Equal(2, code);
        Assert.Contains("already holds pissa adapters of rank 2", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Train_FolderWithoutVocabulary_IsRefused_NotMiniLmsSilently()
    {
        using var dir = new TempDirectory();
        string folder = dir.File("plain");
        Directory.CreateDirectory(folder);
        File.Copy(MiniLm.Files.ModelPath, Path.Combine(folder, "model.onnx"));
        string trainFile = dir.File("train.txt");
        File.WriteAllLines(trainFile, s_train);
        (int code, _, string err) = CliHarness.Run("lora", "train", "--model", folder, "--train", trainFile, "--out", dir.File("o"));
        Assert.Equal(2, code);
        Assert.Contains("has no vocab.txt", err, StringComparison.Ordinal);
        Assert.Contains("--vocab", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Train_ForeignAdaptedModelWithRank_IsRefused()
    {
        // The init folder's files without its manifest: a model adapted elsewhere. Its adapters are trained as they
        // are, so a --rank would have been ignored; it is refused instead.
        using var dir = new TempDirectory();
        string folder = dir.File("foreign");
        Directory.CreateDirectory(folder);
        File.Copy(Path.Combine(_init.Path, "model.onnx"), Path.Combine(folder, "model.onnx"));
        File.Copy(Path.Combine(_init.Path, "vocab.txt"), Path.Combine(folder, "vocab.txt"));
        string trainFile = dir.File("train.txt");
        File.WriteAllLines(trainFile, s_train);
        (int code, _, string err) = CliHarness.Run("lora", "train", "--model", folder, "--rank", "4", "--train", trainFile, "--max-steps", "1", "--out", dir.File("o"));
        Assert.Equal(2, code);
        Assert.Contains("already carries 6 adapters", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Train_TamperedFolder_FailsNamingTheFile()
    {
        using var dir = new TempDirectory();
        string folder = dir.File("tampered");
        Directory.CreateDirectory(folder);
        foreach (string f in Directory.GetFiles(_init.Path))
        {
            File.Copy(f, Path.Combine(folder, Path.GetFileName(f)));
        }

        File.AppendAllText(Path.Combine(folder, "vocab.txt"), "extra\n");
        string trainFile = dir.File("train.txt");
        File.WriteAllLines(trainFile, s_train);
        (int code, _, string err) = CliHarness.Run("lora", "train", "--model", folder, "--train", trainFile, "--out", dir.File("o"));
        Assert.Equal(1, code);
        Assert.Contains("vocab.txt", err, StringComparison.Ordinal);
        Assert.Contains("SHA-256", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Export_ReadsTheFoldersAdapterFiles_AndRefusesACorruptOne()
    {
        using var dir = new TempDirectory();
        (int code, _, string err) = CliHarness.Run("export", "--model", _init.Path, "--quantize", "none", "--no-report", "--out", dir.File("plain.onnx"));
        Assert.True(code == 0, err);

        // The init folder's files without its manifest (a folder made elsewhere), with the adapter weights truncated:
        // no hash to compare, so the strict reader is what refuses it.
        string folder = dir.File("foreign");
        Directory.CreateDirectory(folder);
        foreach (string f in Directory.GetFiles(_init.Path).Where(f => !f.EndsWith("pipelines.json", StringComparison.Ordinal) && !Path.GetFileName(f).StartsWith('.')))
        {
            File.Copy(f, Path.Combine(folder, Path.GetFileName(f)));
        }

        string weights = Path.Combine(folder, "adapter_model.safetensors");
        byte[] bytes = File.ReadAllBytes(weights);
        File.WriteAllBytes(weights, bytes[..(bytes.Length / 2)]);
        (code, _, err) = CliHarness.Run("export", "--model", folder, "--quantize", "none", "--no-report", "--out", dir.File("x.onnx"));
        Assert.Equal(1, code);
        Assert.Contains("adapter_model.safetensors", err, StringComparison.Ordinal);
        Assert.DoesNotContain("internal error", err, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.File("x.onnx")));
    }

    /// <summary>One <c>lora init</c> folder (PiSSA, rank 2, layer 0) shared by the refusal tests.</summary>
    public sealed class InitFolder : IDisposable
    {
        private readonly TempDirectory _dir = new();

        public InitFolder()
        {
            Path = _dir.File("init");
            (int code, _, string err) = CliHarness.Run("lora", "init", "--model", BaseFolder(_dir.File("base"), otherVocabulary: false),
                "--method", "pissa", "--rank", "2", "--targets", "layers:0", "--out", Path);
            if (code != 0)
            {
                throw new InvalidOperationException(err);
            }
        }

        public string Path { get; }

        /// <summary>
        /// A folder with MiniLM's model and a vocabulary: MiniLM's own, or another one of the same size (two entries
        /// swapped, so ids stay inside the embedding table but the file, and the tokenisation, differ).
        /// </summary>
        public static string BaseFolder(string folder, bool otherVocabulary)
        {
            Directory.CreateDirectory(folder);
            File.Copy(MiniLm.Files.ModelPath, System.IO.Path.Combine(folder, "model.onnx"));
            string[] vocab = File.ReadAllLines(MiniLm.Files.VocabPath);
            if (otherVocabulary)
            {
                int good = Array.IndexOf(vocab, "good");
                int bad = Array.IndexOf(vocab, "bad");
                (vocab[good], vocab[bad]) = (vocab[bad], vocab[good]);
            }

            File.WriteAllLines(System.IO.Path.Combine(folder, "vocab.txt"), vocab);
            return folder;
        }

        public void Dispose() => _dir.Dispose();
    }
}
