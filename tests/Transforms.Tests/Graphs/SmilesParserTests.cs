using Pipelines.Transforms.Graphs;
using Xunit;

namespace Pipelines.Transforms.Tests.Graphs;

public class SmilesParserTests
{
    [Fact]
    public void Parse_Benzene_AromaticRing()
    {
        Molecule m = SmilesParser.Parse("c1ccccc1");
        Assert.Equal(6, m.Atoms.Count);
        Assert.Equal(6, m.Bonds.Count);
        Assert.All(m.Bonds, b => Assert.Equal(BondOrder.Aromatic, b.Order));
        Assert.All(m.Atoms, a => Assert.True(a.Aromatic && a.Element == "C"));
    }

    [Fact]
    public void Parse_BranchesBondsAndTwoLetterAtoms()
    {
        // acetic acid chloride-ish: C C(=O) Cl, then a triple bond and bromine
        Molecule m = SmilesParser.Parse("CC(=O)Cl.C#CBr");
        Assert.Equal(["C", "C", "O", "Cl", "C", "C", "Br"], m.Atoms.Select(a => a.Element));
        Assert.Equal(2, m.PartCount);
        Assert.Equal(new Bond(1, 2, BondOrder.Double), m.Bonds[1]);
        Assert.Equal(new Bond(1, 3, BondOrder.Single), m.Bonds[2]);
        Assert.Equal(new Bond(4, 5, BondOrder.Triple), m.Bonds[3]);
        Assert.Equal(new Bond(5, 6, BondOrder.Single), m.Bonds[4]);
        Assert.Equal(5, m.Bonds.Count);
    }

    [Fact]
    public void Parse_BracketAtomsChargeHydrogensChiralityIsotope()
    {
        Molecule m = SmilesParser.Parse("[NH3+]C[C@@H](O)c1cc[nH]c1[O-].[2H][Fe+2]");
        Atom n = m.Atoms[0];
        Assert.Equal(("N", 3, 1), (n.Element, n.HydrogenCount!.Value, n.Charge));
        Assert.Equal("N H3 +", n.TypeKey);
        Assert.Equal("@@", m.Atoms[2].Chirality);
        Assert.Equal(1, m.Atoms[2].HydrogenCount);
        Atom nh = m.Atoms.Single(a => a.Element == "N" && a.Aromatic);
        Assert.Equal(1, nh.HydrogenCount);
        Assert.Equal(-1, m.Atoms.Single(a => a.Element == "O" && a.Charge != 0).Charge);
        Assert.Equal(2, m.Atoms.Single(a => a.Isotope == 2).Isotope);
        Assert.Equal(2, m.Atoms.Single(a => a.Element == "Fe").Charge);
    }

    [Fact]
    public void Parse_RingClosuresWithPercentAndBondMarks()
    {
        Molecule m = SmilesParser.Parse("C%12CCC=%12");
        Assert.Equal(4, m.Atoms.Count);
        Assert.Contains(new Bond(0, 3, BondOrder.Double), m.Bonds);

        Molecule two = SmilesParser.Parse("C1CC2CCC1C2");
        Assert.Equal(8, two.Bonds.Count); // bicyclic: 7 atoms, 8 bonds
    }

    [Theory]
    [InlineData("C1CC", "ring bond 1 is never closed", 2)]
    [InlineData("CC(C", "unclosed branch", 5)]
    [InlineData("C)C", "closes no branch", 2)]
    [InlineData("C==C", "two bond symbols", 3)]
    [InlineData("C[Xx]", "not an element", 3)]
    [InlineData("CQ", "unexpected character 'Q'", 2)]
    [InlineData("C%1", "two digits", 2)]
    [InlineData("[C", "never closed", 1)]
    public void Parse_ReportsErrorsWithColumn(string smiles, string fragment, int column)
    {
        var ex = Assert.Throws<GraphFormatException>(() => SmilesParser.Parse(smiles, "mols.csv", 7));
        Assert.Contains(fragment, ex.Message, StringComparison.Ordinal);
        Assert.Equal(7, ex.Line);
        Assert.Equal(column, ex.Column);
        Assert.StartsWith("mols.csv:7:", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadCsv_NamesFileAndLineOfBadRow()
    {
        string path = Path.Combine(Path.GetTempPath(), $"smiles-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, "SMILES,score\nCCO,1.5\nc1ccccc1 ,2\nC1CC,3\n");
        try
        {
            var ex = Assert.Throws<GraphFormatException>(() => SmilesCsvReader.Read(path, targetColumn: "score"));
            Assert.Equal(4, ex.Line);
            Assert.Equal(path, ex.FileName);
            File.WriteAllText(path, "SMILES,score\nCCO,1.5\nc1ccccc1 ,2\n");
            var rows = SmilesCsvReader.Read(path, targetColumn: "score");
            Assert.Equal([1.5f, 2f], rows.Select(r => r.Target));
            var vocab = AtomTypeVocabulary.Build(rows.Select(r => r.Molecule));
            Assert.Equal(["<unk>", "C", "O"], vocab.Keys);
            Graph g = vocab.ToGraph(rows[1].Molecule, rows[1].Target);
            Assert.Equal(6, g.NodeCount);
            Assert.All(g.EdgeTypes!, t => Assert.Equal((int)BondOrder.Aromatic, t));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ReadCsv_SharedMoleculeFilesParseCompletely()
    {
        string zinc = SharedData.Path("molecules/micro_zinc/micro_ZINC.csv");
        string esol = SharedData.Path("molecules/esol/esol.csv");
        if (!File.Exists(zinc) || !File.Exists(esol))
        {
            return; // ../shared is absent (CI): covered by the synthetic tests above.
        }

        var z = SmilesCsvReader.Read(zinc, "SMILES", "score");
        Assert.Equal(1002, z.Count);
        Assert.All(z, r => Assert.True(r.Molecule.Atoms.Count > 0 && !float.IsNaN(r.Target)));
        var e = SmilesCsvReader.Read(esol, targetColumn: "logSolubility");
        Assert.Equal(1128, e.Count);
    }
}
