"""What the preview's people type, per language: names, jobs and places as a speaker of that
language would write them (a translator reviews their own language's screens with their own words)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class Persona:
    """The words one language's newcomer and volunteer type; choices are the program file's values."""

    newcomer: str
    occupation: str
    volunteer: str
    organization: str
    job_title: str
    meeting_area: str
    contact: str  # someone the volunteer refers the newcomer to: name, role, organization
    contact_role: str
    contact_organization: str
    next_step: str
    mail: str  # the part of the e-mail addresses before the @, as this language's people write it
    spoken: str  # the program file's languages_spoken value for this language


PERSONAS: Final = {
    "en": Persona(
        "Grace Okafor",
        "Software developer",
        "Daniel Brooks",
        "OpenText",
        "Engineering manager",
        "Kitchener Public Library, Queen Street",
        "Omar Khalil",
        "Recruiter",
        "Communitech",
        "Apply to OpenText's graduate program",
        "grace.okafor",
        "en",
    ),
    "fr": Persona(
        "Moussa Diallo",
        "Développeur logiciel",
        "Claire Dubois",
        "Desjardins",
        "Cheffe de projet informatique",
        "Café Pyrus, rue King",
        "Hélène Gagnon",
        "Recruteuse",
        "Communitech",
        "Postuler au programme des jeunes diplômés d'OpenText",
        "moussa.diallo",
        "fr",
    ),
    "es": Persona(
        "María José López",
        "Desarrolladora de software",
        "Andrés Gómez",
        "Shopify",
        "Ingeniero de software",
        "Biblioteca de Kitchener, calle Queen",
        "Lucía Fernández",
        "Reclutadora",
        "Communitech",
        "Postularme al programa de graduados de OpenText",
        "mariajose.lopez",
        "es",
    ),
    "ar": Persona(
        "أمل حداد",
        "مطوّرة برمجيات",
        "سامي خوري",
        "أوبن تكست",
        "مدير هندسة البرمجيات",
        "مكتبة كيتشنر العامة، شارع كوين",
        "عمر خليل",
        "مسؤول توظيف",
        "كوميونيتك",
        "التقديم على برنامج الخريجين في أوبن تكست",
        "amal.haddad",
        "ar",
    ),
    "zh-Hans": Persona(
        "王丽",
        "软件开发工程师",
        "陈伟",
        "OpenText",
        "软件工程经理",
        "基奇纳公共图书馆，皇后街",
        "李明",
        "招聘专员",
        "Communitech",
        "申请 OpenText 的毕业生项目",
        "wangli",
        "zh",
    ),
    "pa": Persona(
        "ਹਰਪ੍ਰੀਤ ਕੌਰ",
        "ਸਾਫਟਵੇਅਰ ਡਿਵੈਲਪਰ",
        "ਗੁਰਪ੍ਰੀਤ ਸਿੰਘ",
        "ਓਪਨਟੈਕਸਟ",
        "ਇੰਜੀਨੀਅਰਿੰਗ ਮੈਨੇਜਰ",
        "ਕਿਚਨਰ ਪਬਲਿਕ ਲਾਇਬ੍ਰੇਰੀ, ਕੁਈਨ ਸਟ੍ਰੀਟ",
        "ਮਨਦੀਪ ਗਿੱਲ",
        "ਭਰਤੀ ਅਧਿਕਾਰੀ",
        "ਕਮਿਊਨੀਟੈਕ",
        "ਓਪਨਟੈਕਸਟ ਦੇ ਗ੍ਰੈਜੂਏਟ ਪ੍ਰੋਗਰਾਮ ਲਈ ਅਰਜ਼ੀ ਦੇਣੀ",
        "harpreet.kaur",
        "pa",
    ),
    "tl": Persona(
        "Maria Santos",
        "Software developer",
        "Jose Reyes",
        "Manulife",
        "Tagapamahala ng IT",
        "Aklatang Pampubliko ng Kitchener, Queen Street",
        "Ana Dela Cruz",
        "Recruiter",
        "Communitech",
        "Mag-apply sa graduate program ng OpenText",
        "maria.santos",
        "tl",
    ),
    "ur": Persona(
        "عائشہ خان",
        "سافٹ ویئر ڈویلپر",
        "عمران احمد",
        "اوپن ٹیکسٹ",
        "انجینئرنگ مینیجر",
        "کچنر پبلک لائبریری، کوئین اسٹریٹ",
        "بلال حسین",
        "بھرتی افسر",
        "کمیونیٹیک",
        "اوپن ٹیکسٹ کے گریجویٹ پروگرام میں درخواست دینا",
        "ayesha.khan",
        "ur",
    ),
    "fa": Persona(
        "مریم احمدی",
        "برنامه‌نویس نرم‌افزار",
        "علی رضایی",
        "اوپن‌تکست",
        "مدیر مهندسی نرم‌افزار",
        "کتابخانهٔ عمومی کیچنر، خیابان کوئین",
        "سارا محمدی",
        "کارشناس استخدام",
        "کامیونیتک",
        "درخواست برای برنامهٔ فارغ‌التحصیلان اوپن‌تکست",
        "maryam.ahmadi",
        "fa",
    ),
    "uk": Persona(
        "Олена Коваленко",
        "Розробниця програмного забезпечення",
        "Андрій Шевченко",
        "OpenText",
        "Керівник інженерної команди",
        "Публічна бібліотека Кітченера, вулиця Квін",
        "Ірина Бондаренко",
        "Рекрутерка",
        "Communitech",
        "Подати заявку на програму для випускників OpenText",
        "olena.kovalenko",
        "uk",
    ),
}


def persona(language: str) -> Persona:
    """The language's people; a language of a program's own with none of its own types English words."""
    return PERSONAS.get(language, PERSONAS["en"])
